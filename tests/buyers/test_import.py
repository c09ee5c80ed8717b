"""Buyer import: FORMATS.md columns, row-by-row errors, idempotent re-import, export."""

import csv
import io

import pytest
from sqlalchemy import func, select

from app.buyers.models import Buyer
from app.buyers.transfer import COLUMNS, export_buyers, import_buyers
from app.spreadsheets.importing import ImportRejected
from app.spreadsheets.tabular import read_table
from tests.conftest import csv_bytes

GOOD = [
    ["BUY1", "Kiwi Pantry Ltd", "NZ", "en", "Gluten-free rice noodles and gochujang.", "HACCP",
     "190219;2103"],
    ["BUY2", "하노이식품", "VN", "ko", "한국 라면과 김을 수입하려고 합니다.", "", "19"],
]


def table_of(rows, header=COLUMNS):
    return read_table(csv_bytes(header, rows), "buyers.csv", max_rows=100, max_bytes=10**6)


def test_import_and_reimport(db):
    report = import_buyers(table_of(GOOD))
    assert report.created == 2
    buyer = db.session.scalar(select(Buyer).where(Buyer.buyer_ref == "BUY1"))
    assert buyer.hs_codes == ["190219", "2103"]
    assert [c.name for c in buyer.required_certifications] == ["HACCP"]
    assert (import_buyers(table_of(GOOD)).unchanged) == 2
    changed = [list(GOOD[0]), GOOD[1]]
    changed[0][4] = "Rice noodles only."
    changed[0][6] = "190219"
    report = import_buyers(table_of(changed))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    assert db.session.scalar(select(func.count(Buyer.id))) == 2
    assert buyer.hs_codes == ["190219"]


@pytest.mark.parametrize(("column", "value", "fragment"), [
    ("country", "Korea", "ISO 3166-1"), ("language", "fr", "en or ko"),
    ("hs_codes", "2103;77", "does not exist"), ("interests", "", "required")])
def test_bad_rows_are_reported_and_nothing_written(db, column, value, fragment):
    rows = [list(GOOD[0]), list(GOOD[1])]
    rows[1][COLUMNS.index(column)] = value
    with pytest.raises(ImportRejected) as error:
        import_buyers(table_of(rows))
    [problem] = error.value.report.problems
    assert (problem.row, problem.column) == (3, column)
    assert fragment in problem.message
    assert db.session.scalar(select(func.count(Buyer.id))) == 0


def test_duplicate_buyer_refs(db):
    with pytest.raises(ImportRejected) as error:
        import_buyers(table_of([GOOD[0], GOOD[0]]))
    assert [(p.row, p.column) for p in error.value.report.problems] == [(3, "buyer_ref")]


def test_export_is_safe_and_in_format(db):
    import_buyers(table_of([GOOD[0], ["BUY3", "=EVIL()", "US", "en", "-1+1", "", ""]]))
    buyers = db.session.scalars(select(Buyer).order_by(Buyer.buyer_ref)).all()
    rows = list(csv.reader(io.StringIO(export_buyers(list(buyers), "csv").decode("utf-8-sig"))))
    assert rows[0] == COLUMNS
    assert rows[2][1] == "'=EVIL()"
    assert rows[2][4] == "'-1+1"


def test_organiser_uploads_buyers(client, db, login, make_user):
    login(make_user("organiser"))
    response = client.post("/buyers/import", data={
        "file": (csv_bytes(COLUMNS, GOOD), "buyers.csv")}, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "2 created" in response.text
    bad = client.post("/buyers/import", data={
        "file": (csv_bytes(COLUMNS, [GOOD[0][:2] + ["XX"] + GOOD[0][3:]]), "buyers.csv")},
        content_type="multipart/form-data")
    assert bad.status_code == 422
    assert "XX" in bad.text
