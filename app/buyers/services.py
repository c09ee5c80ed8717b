"""Buyer profiles: creation, editing and listing."""

import secrets

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.auth.permissions import ensure_buyer_editor, ensure_organiser
from app.buyers.models import Buyer, BuyerHSCode
from app.catalogue.certifications import CertificationRegistry
from app.core.db import utcnow
from app.extensions import db


def new_buyer_ref() -> str:
    return "B-" + secrets.token_hex(4).upper()


def create_buyer(company_name: str, country: str, language: str, interests: str = "") -> Buyer:
    buyer = Buyer(buyer_ref=new_buyer_ref(), company_name=company_name, country=country,
                  language=language, interests=interests)
    db.session.add(buyer)
    db.session.flush()
    return buyer


def set_hs_codes(buyer: Buyer, codes: list[str]) -> None:
    """Diff rather than replace: a delete and re-insert of the same key in one flush collides."""
    wanted = set(codes)
    for entry in list(buyer.hs_interests):
        if entry.code not in wanted:
            buyer.hs_interests.remove(entry)
    have = set(buyer.hs_codes)
    buyer.hs_interests += [BuyerHSCode(code=code) for code in sorted(wanted - have)]


def update_buyer(buyer: Buyer, by: User, *, required_certifications: list[str],
                 hs_codes: list[str], **fields) -> Buyer:
    ensure_buyer_editor(by, buyer.id)
    for name, value in fields.items():
        setattr(buyer, name, value)
    buyer.required_certifications = sorted(
        CertificationRegistry().many(required_certifications), key=lambda c: c.name)
    set_hs_codes(buyer, hs_codes)
    buyer.updated_at = utcnow()
    db.session.flush()
    return buyer


def buyer_list(by: User, query: str = "") -> Select:
    ensure_organiser(by)
    stmt = select(Buyer).options(selectinload(Buyer.required_certifications),
                                 selectinload(Buyer.hs_interests))
    for term in query.split():
        pattern = term.lower()
        stmt = stmt.where(Buyer.company_name.icontains(pattern, autoescape=True)
                          | Buyer.interests.icontains(pattern, autoescape=True)
                          | Buyer.buyer_ref.icontains(pattern, autoescape=True))
    return stmt.order_by(Buyer.company_name)
