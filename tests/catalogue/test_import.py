"""Catalogue import: validation row by row, all or nothing, idempotent re-import."""

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from app.catalogue.models import Company, ExportMarket, Product
from app.catalogue.transfer import COLUMNS, import_catalogue
from app.spreadsheets.importing import ImportRejected
from app.spreadsheets.tabular import FileRejected, read_table
from tests.conftest import csv_bytes

ROW = {
    "supplier_ref": "SUP1", "company_name_ko": "횡성쌀면(주)", "company_name_en": "Hoengseong Rice",
    "region_ko": "강원 횡성군", "product_ref": "P1", "product_name_ko": "현미 쌀국수",
    "product_name_en": "Brown rice noodles", "description_ko": "횡성 현미로 만든 건면입니다.",
    "description_en": "Dried noodles from Hoengseong brown rice.", "hs_code": "190219",
    "moq": "500 boxes", "unit_price_usd": "1.35", "certifications": "HACCP;Vegan",
    "export_countries": "JP;US",
}


def row(**changes) -> list[str]:
    return [changes.get(column, ROW[column]) for column in COLUMNS]


def table_of(rows, header=COLUMNS, name="catalogue.csv"):
    return read_table(csv_bytes(header, rows), name, max_rows=1000, max_bytes=1_000_000)


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_good_csv_creates_companies_and_products(db):
    report = import_catalogue(table_of([row(), row(product_ref="P2", hs_code="2103"),
                                        row(supplier_ref="SUP2", product_ref="P1")]))
    assert (report.created, report.updated, report.companies_created) == (3, 0, 2)
    product = db.session.scalar(select(Product).where(Product.product_ref == "P2"))
    assert product.hs_code == "2103"
    assert product.company.name_ko == "횡성쌀면(주)"
    assert [c.name for c in product.certifications] == ["HACCP", "Vegan"]
    assert product.unit_price_usd == Decimal("1.35")
    assert product.company.export_countries == ["JP", "US"]


def test_good_xlsx(db):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(COLUMNS)
    values = row()
    values[COLUMNS.index("hs_code")] = 30617  # Excel drops the leading zero of 030617
    values[COLUMNS.index("unit_price_usd")] = 1.35
    sheet.append(values)
    data = io.BytesIO()
    workbook.save(data)
    data.seek(0)
    table = read_table(data, "catalogue.xlsx", max_rows=100, max_bytes=1_000_000)
    report = import_catalogue(table)
    assert report.created == 1
    product = db.session.scalar(select(Product))
    assert product.hs_code == "030617"
    assert product.unit_price_usd == Decimal("1.35")


def test_korean_only_rows(db):
    header = ["supplier_ref", "company_name_ko", "product_ref", "product_name_ko",
              "description_ko"]
    report = import_catalogue(table_of([["K1", "메밀방앗간", "K-P1", "메밀면", "100% 메밀"]],
                                       header=header))
    assert report.created == 1
    product = db.session.scalar(select(Product))
    assert (product.name_en, product.description_en, product.hs_code) == (None, None, None)


def test_missing_required_column_is_named(db):
    header = [c for c in COLUMNS if c != "description_ko"]
    table = table_of([[ROW[c] for c in header]], header=header)
    with pytest.raises(FileRejected) as error:
        import_catalogue(table)
    assert [(p.row, p.column) for p in error.value.problems] == [(1, "description_ko")]
    assert "description_ko" in error.value.problems[0].message
    assert count(db, Product) == 0


@pytest.mark.parametrize(("value", "fragment"), [
    ("1902199", "2, 4 or 6 digits"), ("ABCD", "2, 4 or 6 digits"),
    ("123456", "does not exist"), ("999999", "does not exist")])
def test_bad_hs_code(db, value, fragment):
    with pytest.raises(ImportRejected) as error:
        import_catalogue(table_of([row(), row(product_ref="P2", hs_code=value)]))
    [problem] = error.value.report.problems
    assert (problem.row, problem.column) == (3, "hs_code")
    assert fragment in problem.message
    assert count(db, Product) == 0
    assert count(db, Company) == 0


def test_bad_country(db):
    with pytest.raises(ImportRejected) as error:
        import_catalogue(table_of([row(export_countries="US;XX;Korea")]))
    problems = error.value.report.problems
    assert [(p.row, p.column) for p in problems] == [(2, "export_countries")] * 2
    assert "XX" in problems[0].message
    assert "Korea" in problems[1].message


def test_duplicate_refs_name_the_first_row(db):
    with pytest.raises(ImportRejected) as error:
        import_catalogue(table_of([row(), row(product_name_ko="다른 이름"), row()]))
    problems = error.value.report.problems
    assert [(p.row, p.column) for p in problems] == [(3, "product_ref"), (4, "product_ref")]
    assert "row 2" in problems[0].message


def test_every_problem_is_reported_and_nothing_written(db):
    rows = [row(), row(product_ref="P2", description_ko="", unit_price_usd="cheap"),
            row(product_ref="P3", hs_code="7700", company_name_ko="다른회사")]
    with pytest.raises(ImportRejected) as error:
        import_catalogue(table_of(rows))
    found = {(p.row, p.column) for p in error.value.report.problems}
    assert found == {(3, "description_ko"), (3, "unit_price_usd"), (4, "hs_code"),
                     (4, "company_name_ko")}
    assert count(db, Product) == count(db, Company) == count(db, ExportMarket) == 0


def test_reimport_updates_and_never_duplicates(db):
    import_catalogue(table_of([row(), row(product_ref="P2")]))
    again = import_catalogue(table_of([row(), row(product_ref="P2")]))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    changed = import_catalogue(table_of([row(unit_price_usd="1.50", certifications="HACCP",
                                             export_countries="JP"),
                                         row(product_ref="P2", export_countries="VN")]))
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
    assert count(db, Product) == 2
    assert count(db, Company) == 1
    product = db.session.scalar(select(Product).where(Product.product_ref == "P1"))
    assert product.unit_price_usd == Decimal("1.50")
    assert [c.name for c in product.certifications] == ["HACCP"]
    assert product.company.export_countries == ["JP", "VN"]  # the union of the rows


def test_optional_columns_left_out_keep_stored_values(db):
    import_catalogue(table_of([row()]))
    header = ["supplier_ref", "company_name_ko", "product_ref", "product_name_ko",
              "description_ko"]
    import_catalogue(table_of([["SUP1", "횡성쌀면(주)", "P1", "현미 쌀국수 (신제품)", "새 설명"]],
                              header=header))
    product = db.session.scalar(select(Product))
    assert product.name_ko == "현미 쌀국수 (신제품)"
    assert product.hs_code == "190219"
    assert product.name_en == "Brown rice noodles"


def test_extra_columns_are_a_warning(db):
    header = [*COLUMNS, "notes"]
    report = import_catalogue(table_of([[*row(), "memo"]], header=header))
    assert report.created == 1
    assert [(w.row, w.column) for w in report.warnings] == [(1, "notes")]


def test_supplier_can_only_import_its_own_ref(db):
    with pytest.raises(ImportRejected) as error:
        import_catalogue(table_of([row(), row(supplier_ref="OTHER", product_ref="X")]),
                         only_supplier_ref="SUP1")
    [problem] = error.value.report.problems
    assert (problem.row, problem.column) == (3, "supplier_ref")
    assert count(db, Product) == 0


def test_file_limits():
    big = io.BytesIO(b"a" * 2000)
    with pytest.raises(FileRejected, match="larger than"):
        read_table(big, "x.csv", max_rows=10, max_bytes=1000)
    with pytest.raises(FileRejected, match="more than 2 rows"):
        read_table(csv_bytes(COLUMNS, [row()] * 3), "x.csv", max_rows=2, max_bytes=10**6)
    with pytest.raises(FileRejected, match="Unsupported file type"):
        read_table(io.BytesIO(b"x"), "x.xls", max_rows=10, max_bytes=1000)
    with pytest.raises(FileRejected, match="not UTF-8"):  # Latin-1: neither UTF-8 nor Korean
        read_table(io.BytesIO("Café Crème".encode("latin-1")), "x.csv", max_rows=10,
                   max_bytes=1000)
    with pytest.raises(FileRejected, match="not a valid Excel"):
        read_table(io.BytesIO(b"PK\x03\x04 broken"), "x.xlsx", max_rows=10, max_bytes=1000)
    with pytest.raises(FileRejected, match="empty"):
        read_table(io.BytesIO(b"\r\n"), "x.csv", max_rows=10, max_bytes=1000)


def test_cli_import_and_rejection(runner, db, tmp_path):
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes(COLUMNS, [row(), row(product_ref="P2")]).getvalue())
    result = runner.invoke(args=["catalogue", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert "2 created, 0 updated, 0 unchanged" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes(COLUMNS, [row(product_ref="P3"),
                                        row(product_ref="P4", hs_code="77")]).getvalue())
    result = runner.invoke(args=["catalogue", "import", str(bad)])
    assert result.exit_code == 1
    assert "row 3, hs_code" in result.output
    db.session.expire_all()
    assert count(db, Product) == 2


def test_cli_reports_in_korean(runner, db, tmp_path, monkeypatch):
    monkeypatch.setenv("EXPOMATCH_LANG", "ko")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes(COLUMNS, [row(hs_code="77")]).getvalue())
    result = runner.invoke(args=["catalogue", "import", str(bad)])
    assert result.exit_code == 1
    assert "2행" in result.output or "행 2" in result.output, result.output
