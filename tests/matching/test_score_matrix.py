"""Scoring many buyers at once (a supplier's "Buyers for you") gives what scoring them one by
one gives, for every signal; and the buyers' weighted terms follow the products' statistics."""

import numpy as np
import pytest

from app.buyers.models import BuyerHSCode
from app.catalogue.certifications import CertificationRegistry
from app.extensions import db as _db
from app.matching.scoring import Rows, Semantic, product_scores, score_matrix

pytestmark = pytest.mark.model


@pytest.fixture
def market(db, make_company, make_product, make_buyer):
    registry = CertificationRegistry()
    sauces = make_company(name_ko="순창장류")
    products = [
        make_product(sauces, name_ko="전통 고추장", hs_code="210390",
                     description_ko="찹쌀 고추장, 매운 고추 소스"),
        make_product(sauces, name_ko="된장", hs_code="2103", description_ko="콩으로 만든 된장"),
        make_product(sauces, name_ko="Gochujang sauce", hs_code=None,
                     description_ko="", description_en="Sweet and spicy chili sauce, halal"),
        make_product(sauces, name_ko="쌀국수", hs_code="190219", description_ko="현미 쌀국수"),
    ]
    products[0].certifications = registry.many(["Halal", "HACCP"])
    products[2].certifications = registry.many(["Halal"])
    buyers = []
    for text, codes, required in [
            ("Spicy chili paste and sauces for supermarkets.", ["210390"], ["Halal"]),
            ("Korean sauces.", ["2103", "1902"], ["Halal", "HACCP", "Kosher"]),
            ("고추장과 된장을 수입합니다.", ["21"], []),
            ("", [], ["HACCP"]),                         # no words: no lexical ceiling
            ("Rice noodles, gluten-free.", ["190219", "210390"], ["Organic"]),
            ("Anything edible.", ["19"], ["halal"]),     # names are matched casefolded
            ("된장", ["2103"], [])]:                      # words beyond its ceiling: capped
        buyer = make_buyer(interests=text)
        buyer.hs_interests = [BuyerHSCode(code=code) for code in codes]
        buyer.required_certifications = registry.many(required)
        buyers.append(buyer)
    db.session.commit()
    return sauces, buyers


def test_all_buyers_at_once_equal_one_by_one(matching, market):
    sauces, buyers = market
    table = matching.product_table()
    facts = [matching.buyer_facts()[buyer.id] for buyer in buyers]
    rows = table.company_rows[sauces.id]
    sliced = Rows.of(table, rows)
    similarities = np.random.default_rng(3).uniform(0, 1, (len(rows), len(buyers)))
    semantics = [Semantic([similarities[:, j]], scale=[(0.3, 0.2)]) for j in range(len(buyers))]
    together = score_matrix(table, sliced, semantics, facts)
    one_by_one = np.column_stack([product_scores(table, sliced, semantics[j], buyer)["score"]
                                  for j, buyer in enumerate(facts)])
    assert together.shape == (4, 7)
    np.testing.assert_allclose(together, one_by_one, rtol=0, atol=1e-5)
    # Each signal shows somewhere, so the comparison covers it.
    assert len({round(float(x), 4) for x in (together - similarities).ravel()}) > 5


def test_buyer_terms_are_weighted_again_only_when_product_texts_change(matching, market):
    sauces, buyers = market
    first_table, first_facts = matching.product_table(), matching.buyer_facts()
    product = sauces.products[1]

    product.moq = "500 jars"  # no text changed: same statistics, same weighted buyer terms
    _db.session.commit()
    table = matching.product_table()
    assert table is not first_table
    assert table.lexical_generation == first_table.lexical_generation
    assert table.idf is first_table.idf
    assert matching.buyer_facts() is first_facts

    product.description_ko = "국산 콩으로 만든 재래식 된장과 쌈장"
    _db.session.commit()
    table = matching.product_table()
    assert table.lexical_generation != first_table.lexical_generation
    facts = matching.buyer_facts()
    assert facts is not first_facts
    fresh = matching.buyer_facts  # the same as building them from scratch
    matching._derived.clear()
    for buyer in buyers:
        old, new = facts[buyer.id], fresh()[buyer.id]
        assert (old.query != new.query).nnz == 0
        assert old.ceiling == pytest.approx(new.ceiling)


def test_postings_give_what_each_rows_own_terms_give():
    """Scoring many rows reads the query terms' postings; few rows, their own terms: the same
    figures either way."""
    from scipy import sparse

    from app.matching.scoring import postings_dots, row_dots

    rng = np.random.default_rng(5)
    matrix = sparse.random(700, 5_000, density=0.02, format="csr", random_state=6,
                           dtype=np.float32)
    columns = np.unique(rng.choice(5_000, 60))
    values = rng.uniform(0.5, 3, len(columns)).astype(np.float32)
    np.testing.assert_allclose(postings_dots(matrix.tocsc(), columns, values),
                               row_dots(matrix, columns, values), rtol=1e-5, atol=1e-6)
    assert (row_dots(matrix, columns, values) > 0).sum() > 100
