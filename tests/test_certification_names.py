"""A certification name too long for the database is a row problem, not a server error
(found by tests/security/test_upload_fuzz.py on PostgreSQL)."""

from sqlalchemy import func, select

from app.buyers.models import Buyer
from app.buyers.transfer import import_buyers
from app.catalogue.models import Certification
from app.spreadsheets.importing import ImportRejected
from app.spreadsheets.tabular import Table


def test_overlong_certification_name_is_reported_and_nothing_is_written(db):
    columns = ["buyer_ref", "company_name", "country", "language", "interests",
               "required_certifications", "hs_codes"]
    values = ["FB1", "Kiwi Ltd", "NZ", "en", "Noodles", "가" * 81 + ";HACCP", ""]
    table = Table(columns, [(2, dict(zip(columns, values, strict=True)))])
    try:
        import_buyers(table)
    except ImportRejected as rejected:
        report = rejected.report
    else:
        raise AssertionError("the file was imported")
    assert [p.column for p in report.problems] == ["required_certifications"]
    assert "at most 80 characters" in report.problems[0].message
    assert db.session.scalar(select(func.count(Buyer.id))) == 0
    assert db.session.scalar(select(func.count(Certification.id))) == 0
