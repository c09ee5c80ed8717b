"""The match tables built anew after catalogue edits equal a table built from scratch, while
the terms of unchanged products are reused rather than counted again."""

import numpy as np

from app.catalogue.certifications import CertificationRegistry
from app.matching.arrays import ProductTable


def assert_same(table: ProductTable, fresh: ProductTable) -> None:
    assert np.array_equal(table.ids, fresh.ids)
    assert np.array_equal(table.company_ids, fresh.company_ids)
    assert np.array_equal(table.hs, fresh.hs)
    assert (table.counts != fresh.counts).nnz == 0
    assert (table.lexical != fresh.lexical).nnz == 0
    assert np.array_equal(table.idf, fresh.idf)
    assert (table.certifications != fresh.certifications).nnz == 0
    assert table.export_countries == fresh.export_countries
    assert {k: v.tolist() for k, v in table.company_rows.items()} == \
        {k: v.tolist() for k, v in fresh.company_rows.items()}


def test_reloading_after_edits_equals_a_fresh_load(db, make_company, make_product):
    noodles = make_company(name_ko="횡성쌀면")
    kept = make_product(noodles, name_ko="현미 쌀국수", hs_code="190219")
    edited = make_product(noodles, name_ko="메밀국수", description_ko="강원도 메밀 건면")
    deleted = make_product(make_company(name_ko="순창장류"), name_ko="고추장")
    first = ProductTable.load()

    edited.description_ko = "봉평 메밀로 만든 냉면용 건면입니다."
    kept.certifications = CertificationRegistry().many(["HACCP"])
    db.session.delete(deleted)
    added = make_product(noodles, name_ko="쌀과자", hs_code="190590")
    db.session.commit()

    table = ProductTable.load(first)
    assert_same(table, ProductTable.load())
    assert table.ids.tolist() == sorted([kept.id, edited.id, added.id])
    row = int(table.rows_of(np.array([kept.id]))[0])
    assert table.certification_names_of(row) == ["HACCP"]
    # The unchanged product's terms are the very same as before.
    assert (table.counts[row] != first.counts[int(first.rows_of(np.array([kept.id]))[0])]).nnz == 0


def test_empty_catalogue(db):
    table = ProductTable.load(ProductTable.load())
    assert len(table.ids) == 0
    assert table.counts.shape[0] == 0
