"""Catalogue export: FORMATS.md columns, safe from formula injection, and re-importable."""

import csv
import io

from openpyxl import load_workbook
from sqlalchemy import select

from app.catalogue.models import Company, Product
from app.catalogue.transfer import COLUMNS, export_catalogue, import_catalogue
from app.spreadsheets.tabular import export_safe, read_table


def test_formula_cells_are_neutralised():
    assert export_safe("=HYPERLINK(\"http://evil\")") == "'=HYPERLINK(\"http://evil\")"
    for prefix in "+-@\t\r":
        assert export_safe(prefix + "1") == "'" + prefix + "1"
    assert export_safe("멀쩡한 값") == "멀쩡한 값"


def test_csv_and_xlsx_exports_are_safe_and_round_trip(db, make_company, make_product):
    company = make_company(name_ko="=cmd|'/C calc'!A0", supplier_ref="EVIL", region_ko="강원")
    make_product(company, name_ko="@SUM(1+1)", description_ko="+위험한 설명", hs_code="190219",
                 product_ref="P1")
    db.session.refresh(company)
    data = export_catalogue([company], "csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == COLUMNS
    assert rows[1][1] == "'=cmd|'/C calc'!A0"
    assert rows[1][5] == "'@SUM(1+1)"
    assert rows[1][7] == "'+위험한 설명"

    workbook = load_workbook(io.BytesIO(export_catalogue([company], "xlsx")))
    sheet = workbook.worksheets[0]
    cells = [cell for cell in sheet[2]]
    assert all(cell.data_type != "f" for cell in cells)
    assert cells[1].value == "'=cmd|'/C calc'!A0"

    # Importing the export gives back exactly what was stored: nothing changes.
    table = read_table(io.BytesIO(data), "x.csv", max_rows=10, max_bytes=10**6)
    report = import_catalogue(table)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 1)
    assert db.session.scalar(select(Company.name_ko)) == "=cmd|'/C calc'!A0"
    assert db.session.scalar(select(Product.name_ko)) == "@SUM(1+1)"


def test_supplier_downloads_own_catalogue(client, db, login, make_user, make_product):
    user = make_user("supplier")
    company = db.session.get(Company, user.company_id)
    make_product(company, name_ko="현미 쌀국수")
    login(user)
    response = client.get(f"/companies/{company.id}/export.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    assert [c.value for c in sheet[1]] == COLUMNS
    assert sheet[2][5].value == "현미 쌀국수"
