"""Catalogue logic: companies and products, the directory and its search."""

import secrets
from dataclasses import dataclass

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.auth.permissions import ensure_company_editor
from app.catalogue.certifications import CertificationRegistry
from app.catalogue.models import Certification, Company, ExportMarket, Product
from app.core.db import utcnow
from app.core.errors import DomainError
from app.extensions import db
from app.i18n import _l


class DuplicateProductRef(DomainError):
    message = _l("Another product of this company already uses this product reference.")


class DuplicateSupplierRef(DomainError):
    message = _l("This supplier reference is already taken. Choose another or leave it blank.")


def new_supplier_ref() -> str:
    return "S-" + secrets.token_hex(4).upper()


def create_company(name_ko: str, supplier_ref: str | None = None, **fields) -> Company:
    ref = supplier_ref or new_supplier_ref()
    if db.session.scalar(select(Company.id).where(Company.supplier_ref == ref)):
        raise DuplicateSupplierRef()
    company = Company(supplier_ref=ref, name_ko=name_ko, **fields)
    db.session.add(company)
    db.session.flush()
    return company


def update_company(company: Company, by: User, **fields) -> Company:
    ensure_company_editor(by, company.id)
    export_countries = fields.pop("export_countries", None)
    if "languages" in fields:
        fields["languages"] = ";".join(fields["languages"] or ["ko"])
    for name, value in fields.items():
        setattr(company, name, value or None)
    if export_countries is not None:
        set_export_markets(company, export_countries)
    db.session.flush()
    return company


def set_export_markets(company: Company, codes: list[str]) -> None:
    """Diff rather than replace: a delete and re-insert of the same key in one flush collides."""
    wanted = set(codes)
    if wanted == set(company.export_countries):
        return
    for market in list(company.export_markets):
        if market.country_code not in wanted:
            company.export_markets.remove(market)
    have = set(company.export_countries)
    company.export_markets += [ExportMarket(country_code=c) for c in sorted(wanted - have)]
    company.updated_at = utcnow()  # collections do not bump it; matching reads it


def save_product(company: Company, by: User, product: Product | None = None, *,
                 certifications: list[str], **fields) -> Product:
    """Create (product=None) or update a product of `company`."""
    ensure_company_editor(by, company.id)
    taken = db.session.scalar(select(Product.id).where(
        Product.company_id == company.id, Product.product_ref == fields["product_ref"]))
    if taken is not None and (product is None or taken != product.id):
        raise DuplicateProductRef()
    if product is None:
        product = Product(company=company)
        db.session.add(product)
    for name, value in fields.items():
        setattr(product, name, value if value != "" else None)
    product.certifications = sorted(CertificationRegistry().many(certifications),
                                    key=lambda c: c.name)
    product.updated_at = utcnow()
    try:
        db.session.flush()
    except IntegrityError as error:  # a concurrent save took the ref after our check
        raise DuplicateProductRef() from error
    return product


def delete_product(product: Product, by: User) -> None:
    ensure_company_editor(by, product.company_id)
    db.session.delete(product)
    db.session.flush()


@dataclass
class DirectoryFilters:
    q: str = ""
    chapter: str = ""
    region: str = ""
    certification: str = ""


def _matches_terms(query: str, *columns) -> list:
    """One condition per word, each a case-insensitive substring of any column.

    Substrings rather than word tokens: Korean attaches particles to words (메밀면을, 메밀로),
    so a search for 메밀 must find text inside a word.
    """
    return [or_(*(func.lower(column).contains(term.lower(), autoescape=True)
                  for column in columns)) for term in query.split()]


def product_search(filters: DirectoryFilters, company_id: int | None = None) -> Select:
    stmt = (select(Product).join(Product.company)
            .options(selectinload(Product.company), selectinload(Product.certifications)))
    if company_id is not None:
        stmt = stmt.where(Product.company_id == company_id)
    if filters.q:
        stmt = stmt.where(*_matches_terms(
            filters.q, Product.name_ko, Product.name_en, Product.description_ko,
            Product.description_en, Product.product_ref, Product.hs_code, Company.name_ko,
            Company.name_en))
    if filters.chapter:
        stmt = stmt.where(Product.hs_code.startswith(filters.chapter, autoescape=True))
    if filters.region:
        stmt = stmt.where(Company.region_ko.startswith(filters.region, autoescape=True))
    if filters.certification:
        stmt = stmt.where(Product.certifications.any(Certification.name == filters.certification))
    return stmt.order_by(Company.name_ko, Product.product_ref)


def company_search(filters: DirectoryFilters) -> Select:
    """Companies with a matching product, or whose own profile matches the words."""
    matching_products = (product_search(filters).with_only_columns(Product.company_id)
                         .order_by(None))
    stmt = select(Company).options(
        selectinload(Company.products).selectinload(Product.certifications))
    if filters.q:
        profile_matches = and_(*_matches_terms(
            filters.q, Company.name_ko, Company.name_en, Company.description_ko,
            Company.description_en, Company.region_ko))
        stmt = stmt.where(or_(Company.id.in_(matching_products), profile_matches))
    if filters.chapter or filters.certification:
        in_category = DirectoryFilters(chapter=filters.chapter,
                                       certification=filters.certification)
        stmt = stmt.where(Company.id.in_(
            product_search(in_category).with_only_columns(Product.company_id).order_by(None)))
    if filters.region:
        stmt = stmt.where(Company.region_ko.startswith(filters.region, autoescape=True))
    return stmt.order_by(Company.name_ko)


def region_names() -> list[str]:
    """Provinces (the first word of region_ko) that have suppliers."""
    regions = db.session.scalars(select(Company.region_ko).distinct().where(
        Company.region_ko.is_not(None)))
    return sorted({region.split()[0] for region in regions if region.strip()})


def chapters_in_use() -> list[str]:
    codes = db.session.scalars(select(func.substr(Product.hs_code, 1, 2)).distinct().where(
        Product.hs_code.is_not(None)))
    return sorted(codes)


def certifications_in_use() -> list[str]:
    return list(db.session.scalars(select(Certification.name).where(
        Certification.id.in_(select(Product.certifications.property.secondary.c.certification_id))
    ).order_by(Certification.name)))
