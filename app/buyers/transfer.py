"""Buyer-profile import and export in the FORMATS.md buyer columns."""

from dataclasses import dataclass
from typing import BinaryIO

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.auth.permissions import ensure_organiser
from app.buyers.models import Buyer
from app.buyers.services import set_hs_codes
from app.catalogue.certifications import CertificationRegistry
from app.core.db import utcnow
from app.extensions import db
from app.i18n import _
from app.reference.countries import normalize_country
from app.spreadsheets.importing import (
    ImportRejected,
    ImportReport,
    check_length,
    parse_certifications,
    parse_hs,
    split_list,
)
from app.spreadsheets.tabular import Table, check_columns, read_table, write_csv, write_xlsx

COLUMNS = ["buyer_ref", "company_name", "country", "language", "interests",
           "required_certifications", "hs_codes"]
REQUIRED = {"buyer_ref", "company_name", "country", "language", "interests"}
LIMITS = {"buyer_ref": 64, "company_name": 200, "interests": 5000}


@dataclass
class BuyerRow:
    row: int
    buyer_ref: str
    fields: dict[str, str | None]
    certifications: list[str] | None
    hs_codes: list[str] | None


def _parse_row(number: int, cells: dict[str, str], columns: set[str],
               report: ImportReport) -> BuyerRow:
    for column in REQUIRED:
        if not cells.get(column):
            report.problem(number, column, _("%(column)s is required.", column=column))
    for column, limit in LIMITS.items():
        check_length(cells.get(column, ""), limit, number, column, report)
    country = cells.get("country", "")
    if country and normalize_country(country) is None:
        report.problem(number, "country", _(
            "\"%(value)s\" is not an ISO 3166-1 alpha-2 country code (e.g. NZ, US, VN).",
            value=country))
    language = cells.get("language", "").strip().lower()
    if language and language not in ("en", "ko"):
        report.problem(number, "language", _(
            "\"%(value)s\" is not a supported language: write en or ko.", value=language))
    hs_codes = None
    if "hs_codes" in columns:
        hs_codes = [code for raw in split_list(cells["hs_codes"])
                    if (code := parse_hs(raw, number, "hs_codes", report))]
    return BuyerRow(
        row=number, buyer_ref=cells.get("buyer_ref", ""),
        fields={"company_name": cells.get("company_name", ""),
                "country": normalize_country(country), "language": language,
                "interests": cells.get("interests", "")},
        certifications=parse_certifications(cells["required_certifications"], number,
                                            "required_certifications", report)
        if "required_certifications" in columns else None,
        hs_codes=list(dict.fromkeys(hs_codes)) if hs_codes is not None else None,
    )


def import_buyers(table: Table) -> ImportReport:
    """Validate every row, then create or update buyers by buyer_ref; all or nothing."""
    report = ImportReport()
    report.warnings = [*table.notes, *check_columns(table, COLUMNS, REQUIRED)]
    columns = set(table.columns)
    rows = [_parse_row(number, cells, columns, report) for number, cells in table.rows]
    if not rows:
        report.problem(2, None, _("The file has a header but no buyer rows."))
    first_row: dict[str, int] = {}
    for item in rows:
        if item.buyer_ref in first_row:
            report.problem(item.row, "buyer_ref", _(
                "Buyer %(ref)s already appears in row %(first)d.", ref=item.buyer_ref,
                first=first_row[item.buyer_ref]))
        first_row.setdefault(item.buyer_ref, item.row)
    if report.problems:
        raise ImportRejected(report)
    existing = {b.buyer_ref: b for b in db.session.scalars(
        select(Buyer).where(Buyer.buyer_ref.in_(first_row))
        .options(selectinload(Buyer.required_certifications),
                 selectinload(Buyer.hs_interests)))}
    certs = CertificationRegistry()
    for item in rows:
        buyer = existing.get(item.buyer_ref)
        created = buyer is None
        if created:
            buyer = Buyer(buyer_ref=item.buyer_ref)
            db.session.add(buyer)
        before = _snapshot(buyer)
        for name, value in item.fields.items():
            setattr(buyer, name, value)
        if item.certifications is not None:
            buyer.required_certifications = sorted(certs.many(item.certifications),
                                                   key=lambda c: c.name)
        if item.hs_codes is not None:
            set_hs_codes(buyer, item.hs_codes)
        if created:
            report.created += 1
        elif _snapshot(buyer) != before:
            buyer.updated_at = utcnow()  # collections do not bump it
            report.updated += 1
        else:
            report.unchanged += 1
    db.session.flush()
    return report


def _snapshot(buyer: Buyer) -> tuple:
    return (buyer.company_name, buyer.country, buyer.language, buyer.interests,
            tuple(c.name for c in buyer.required_certifications), tuple(buyer.hs_codes))


def import_buyers_file(stream: BinaryIO, filename: str, by: User) -> ImportReport:
    ensure_organiser(by)
    config = current_app.config
    return import_buyers(read_table(stream, filename, max_rows=config["IMPORT_MAX_ROWS"],
                                    max_bytes=config["MAX_CONTENT_LENGTH"], expected=COLUMNS))


def export_buyers(buyers: list[Buyer], file_format: str) -> bytes:
    rows = [[b.buyer_ref, b.company_name, b.country, b.language, b.interests,
             ";".join(c.name for c in b.required_certifications), ";".join(b.hs_codes)]
            for b in buyers]
    if file_format == "xlsx":
        return write_xlsx(COLUMNS, rows, title="buyers")
    return write_csv(COLUMNS, rows)
