"""Spreadsheets as people save them: Korean Excel's CSV (CP949/EUC-KR), semicolon-separated
CSV, a workbook whose first sheet is instructions, and formulas without a computed value."""

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from app.catalogue.models import Product
from app.catalogue.transfer import COLUMNS, import_catalogue
from app.spreadsheets.tabular import FileRejected, read_table
from tests.catalogue.test_import import row


def csv_text(rows, delimiter=",") -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return out.getvalue()


def read(data: bytes, name: str):
    return read_table(io.BytesIO(data), name, max_rows=100, max_bytes=10**6, expected=COLUMNS)


def workbook(sheets: dict[str, list[list[object]]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for values in rows:
            sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def product(db) -> Product:
    return db.session.scalars(select(Product)).one()


@pytest.mark.parametrize("encoding", ["cp949", "euc-kr"])
def test_a_korean_excel_csv_is_read_and_the_encoding_named(db, encoding):
    table = read(csv_text([row(product_name_ko="현미 쌀국수")]).encode(encoding), "목록.csv")
    report = import_catalogue(table)
    assert report.created == 1
    assert product(db).name_ko == "현미 쌀국수"
    assert any("CP949/EUC-KR" in warning.message for warning in report.warnings)


def test_a_utf8_csv_says_nothing_about_its_encoding(db):
    report = import_catalogue(read(csv_text([row()]).encode("utf-8"), "x.csv"))
    assert not any("CP949" in warning.message for warning in report.warnings)


def test_a_semicolon_separated_csv_is_read(db):
    data = csv_text([row(product_name_ko="메밀, 국수", unit_price_usd="1.35")], delimiter=";")
    report = import_catalogue(read(data.encode("utf-8-sig"), "x.csv"))
    assert report.created == 1
    assert product(db).name_ko == "메밀, 국수"
    assert product(db).unit_price_usd == Decimal("1.35")


def test_the_sheet_with_the_columns_is_read_when_the_first_is_instructions(db):
    data = workbook({"안내": [["이 파일 작성 방법"], ["두 번째 시트에 입력하세요."]],
                     "상품목록": [COLUMNS, row()]})
    table = read(data, "catalogue.xlsx")
    report = import_catalogue(table)
    assert report.created == 1
    assert any("상품목록" in warning.message for warning in report.warnings)


def test_a_workbook_without_the_columns_names_its_sheets(db):
    data = workbook({"안내": [["이 파일 작성 방법"]], "Sheet2": [["a", "b"], ["1", "2"]]})
    with pytest.raises(FileRejected) as error:
        read(data, "catalogue.xlsx")
    assert "“안내”, “Sheet2”" in error.value.text()
    assert "supplier_ref" in error.value.text()


def test_a_formula_without_a_computed_value_is_a_row_error(db):
    formula_row = row(product_ref="P2")
    formula_row[COLUMNS.index("unit_price_usd")] = "=1.2*2"  # openpyxl keeps no value for it
    data = workbook({"catalogue": [COLUMNS, row(), formula_row]})
    with pytest.raises(FileRejected) as error:
        read(data, "catalogue.xlsx")
    problems = [(p.row, p.column) for p in error.value.problems]
    assert problems == [(3, "unit_price_usd")]
    assert "formula" in error.value.problems[0].message
