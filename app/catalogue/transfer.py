"""Catalogue import and export in the FORMATS.md supplier-catalogue columns."""

from dataclasses import dataclass
from decimal import Decimal
from typing import BinaryIO

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.auth.permissions import ensure_company_editor, ensure_organiser
from app.catalogue.certifications import CertificationRegistry
from app.catalogue.models import Company, Product
from app.catalogue.services import set_export_markets
from app.core.db import utcnow
from app.extensions import db
from app.i18n import _
from app.numbers import NumberError, parse_decimal
from app.spreadsheets.importing import (
    ImportRejected,
    ImportReport,
    check_length,
    parse_certifications,
    parse_countries,
    parse_hs,
)
from app.spreadsheets.tabular import Table, check_columns, read_table, write_csv, write_xlsx

COLUMNS = [
    "supplier_ref", "company_name_ko", "company_name_en", "region_ko", "product_ref",
    "product_name_ko", "product_name_en", "description_ko", "description_en", "hs_code", "moq",
    "unit_price_usd", "certifications", "export_countries",
]
REQUIRED = {"supplier_ref", "company_name_ko", "product_ref", "product_name_ko", "description_ko"}
COMPANY_FIELDS = {"company_name_ko": "name_ko", "company_name_en": "name_en",
                  "region_ko": "region_ko"}
PRODUCT_FIELDS = {"product_name_ko": "name_ko", "product_name_en": "name_en",
                  "description_ko": "description_ko", "description_en": "description_en",
                  "hs_code": "hs_code", "moq": "moq", "unit_price_usd": "unit_price_usd"}
LIMITS = {"supplier_ref": 64, "product_ref": 64, "company_name_ko": 200, "company_name_en": 200,
          "region_ko": 100, "product_name_ko": 200, "product_name_en": 200, "moq": 100,
          "description_ko": 5000, "description_en": 5000}


@dataclass
class ProductRow:
    row: int
    supplier_ref: str
    company: dict[str, str | None]
    product_ref: str
    product: dict[str, object]
    certifications: list[str] | None
    export_countries: list[str] | None


def _parse_price(raw: str, row: int, report: ImportReport) -> Decimal | None:
    """Read as the product form reads it (app/numbers.py): "2,40" is a row error, not 240."""
    try:
        price = parse_decimal(raw)
    except NumberError as error:
        report.problem(row, "unit_price_usd", str(error))
        return None
    if price is None:
        return None
    if not price.is_finite() or price < 0 or price >= Decimal("1e10"):
        report.problem(row, "unit_price_usd", _(
            "\"%(value)s\" is not a price: write a number in US dollars such as 2.40.", value=raw))
        return None
    return price.quantize(Decimal("0.01"))


def _parse_row(number: int, cells: dict[str, str], columns: set[str],
               report: ImportReport) -> ProductRow:
    for column in REQUIRED:
        if not cells.get(column):
            report.problem(number, column, _("%(column)s is required.", column=column))
    for column, limit in LIMITS.items():
        check_length(cells.get(column, ""), limit, number, column, report)
    product: dict[str, object] = {}
    for column, attr in PRODUCT_FIELDS.items():
        if column in columns:
            product[attr] = cells.get(column) or None
    if cells.get("hs_code"):
        product["hs_code"] = parse_hs(cells["hs_code"], number, "hs_code", report)
    if "unit_price_usd" in columns:
        product["unit_price_usd"] = _parse_price(cells.get("unit_price_usd", ""), number, report)
    return ProductRow(
        row=number,
        supplier_ref=cells.get("supplier_ref", ""),
        company={attr: cells.get(col) or None for col, attr in COMPANY_FIELDS.items()
                 if col in columns},
        product_ref=cells.get("product_ref", ""),
        product=product,
        certifications=parse_certifications(cells["certifications"], number, "certifications",
                                            report) if "certifications" in columns else None,
        export_countries=parse_countries(cells["export_countries"], number, "export_countries",
                                         report) if "export_countries" in columns else None,
    )


def _check_across_rows(rows: list[ProductRow], report: ImportReport,
                       only_supplier_ref: str | None) -> None:
    seen: dict[tuple[str, str], int] = {}
    company_row: dict[str, ProductRow] = {}
    for item in rows:
        if only_supplier_ref is not None and item.supplier_ref and \
                item.supplier_ref != only_supplier_ref:
            report.problem(item.row, "supplier_ref", _(
                "This row belongs to supplier %(found)s; you can only import your own "
                "catalogue (supplier_ref %(own)s).",
                found=item.supplier_ref, own=only_supplier_ref))
        key = (item.supplier_ref, item.product_ref)
        if all(key) and key in seen:
            report.problem(item.row, "product_ref", _(
                "Product %(product)s of supplier %(supplier)s already appears in row %(first)d.",
                product=item.product_ref, supplier=item.supplier_ref, first=seen[key]))
        seen.setdefault(key, item.row)
        first = company_row.setdefault(item.supplier_ref, item)
        for column, attr in COMPANY_FIELDS.items():
            if attr in item.company and item.company[attr] != first.company.get(attr):
                report.problem(item.row, column, _(
                    "%(column)s differs from row %(first)d for the same supplier_ref.",
                    column=column, first=first.row))


def import_catalogue(table: Table, *, only_supplier_ref: str | None = None) -> ImportReport:
    """Validate every row, then create or update companies and products by their refs.

    All or nothing: any problem raises ImportRejected before a single write. Products missing
    from the file are kept; optional columns missing from the file leave stored values alone.
    """
    report = ImportReport()
    report.warnings = [*table.notes, *check_columns(table, COLUMNS, REQUIRED)]
    columns = set(table.columns)
    rows = [_parse_row(number, cells, columns, report) for number, cells in table.rows]
    if not rows:
        report.problem(2, None, _("The file has a header but no product rows."))
    _check_across_rows(rows, report, only_supplier_ref)
    if report.problems:
        raise ImportRejected(report)
    _apply(rows, report)
    return report


def _apply(rows: list[ProductRow], report: ImportReport) -> None:
    refs = {item.supplier_ref for item in rows}
    companies = {c.supplier_ref: c for c in db.session.scalars(
        select(Company).where(Company.supplier_ref.in_(refs))
        .options(selectinload(Company.products).selectinload(Product.certifications),
                 selectinload(Company.export_markets)))}
    certs = CertificationRegistry()
    markets: dict[str, list[str]] = {}
    for item in rows:
        company = companies.get(item.supplier_ref)
        if company is None:
            company = Company(supplier_ref=item.supplier_ref, **item.company)
            db.session.add(company)
            companies[item.supplier_ref] = company
            report.companies_created += 1
        elif _assign(company, item.company) and company.id is not None:
            report.companies_updated += 1
        if item.export_countries is not None:
            markets.setdefault(item.supplier_ref, [])
            markets[item.supplier_ref] += item.export_countries
        product = next((p for p in company.products if p.product_ref == item.product_ref), None)
        if product is None:
            product = Product(product_ref=item.product_ref, **item.product)
            company.products.append(product)
            report.created += 1
            changed = False
        else:
            changed = _assign(product, item.product)
        if item.certifications is not None:
            wanted = certs.many(item.certifications)
            if [c.name for c in product.certifications] != sorted(c.name for c in wanted):
                product.certifications = sorted(wanted, key=lambda c: c.name)
                product.updated_at = utcnow()  # collections do not bump it
                changed = True
        if product.id is not None:
            report.updated += changed
            report.unchanged += not changed
    for ref, codes in markets.items():
        set_export_markets(companies[ref], list(dict.fromkeys(codes)))
    db.session.flush()


def _assign(obj: object, values: dict[str, object]) -> bool:
    changed = False
    for attr, value in values.items():
        if getattr(obj, attr) != value:
            setattr(obj, attr, value)
            changed = True
    return changed


def export_rows(companies: list[Company]) -> list[list[object]]:
    """One FORMATS.md row per product, in COLUMNS order."""
    rows = []
    for company in companies:
        for product in company.products:
            rows.append([
                company.supplier_ref, company.name_ko, company.name_en, company.region_ko,
                product.product_ref, product.name_ko, product.name_en, product.description_ko,
                product.description_en, product.hs_code, product.moq, product.unit_price_usd,
                ";".join(c.name for c in product.certifications),
                ";".join(company.export_countries),
            ])
    return rows


def import_catalogue_file(stream: BinaryIO, filename: str, by: User,
                          company: Company | None = None) -> ImportReport:
    """An upload by `by`: suppliers import only `company`, their own; organisers anything."""
    if company is not None:
        ensure_company_editor(by, company.id)
    else:
        ensure_organiser(by)
    config = current_app.config
    table = read_table(stream, filename, max_rows=config["IMPORT_MAX_ROWS"],
                       max_bytes=config["MAX_CONTENT_LENGTH"], expected=COLUMNS)
    only = company.supplier_ref if company is not None else None
    return import_catalogue(table, only_supplier_ref=only)


def export_catalogue(companies: list[Company], file_format: str) -> bytes:
    rows = export_rows(companies)
    if file_format == "xlsx":
        return write_xlsx(COLUMNS, rows, title="catalogue")
    return write_csv(COLUMNS, rows)
