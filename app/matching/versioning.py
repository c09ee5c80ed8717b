"""Raising the data version of a side whenever a flush changes it.

Products follow their companies (names, export markets, languages) and certifications; buyers
follow their HS codes and required certifications. Bulk SQL that bypasses the ORM must call
`bump` itself.
"""

import uuid

from flask import g, has_request_context
from sqlalchemy import event, update
from sqlalchemy.orm import Session

from app.buyers.models import Buyer, BuyerHSCode
from app.catalogue.models import Certification, Company, ExportMarket, Product
from app.matching.models import DataVersion

WATCHED = {
    "product": (Product, Company, ExportMarket, Certification),
    "buyer": (Buyer, BuyerHSCode, Certification),
}


def bump(session: Session, kinds: set[str]) -> None:
    if has_request_context():
        g.pop("data_versions", None)  # vectors.data_version's memo of this request
    for kind in sorted(kinds):
        session.execute(update(DataVersion).where(DataVersion.kind == kind)
                        .values(version=uuid.uuid4().hex))


def _before_flush(session: Session, _context, _instances) -> None:
    changed = [*session.new, *session.dirty, *session.deleted]
    kinds = {kind for kind, models in WATCHED.items()
             if any(isinstance(obj, models) for obj in changed)}
    if kinds:
        bump(session, kinds)


def install() -> None:
    """Listen on every session (the app's, the tests', the workers')."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
