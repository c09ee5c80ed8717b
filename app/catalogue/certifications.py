"""Certifications by name, as imports and forms give them."""

from sqlalchemy import func, select

from app.catalogue.models import Certification
from app.extensions import db


class CertificationRegistry:
    """Certifications by case-insensitive name, created on first use."""

    def __init__(self) -> None:
        rows = db.session.scalars(select(Certification)).all()
        self._by_key = {cert.name.casefold(): cert for cert in rows}

    def get(self, name: str) -> Certification:
        key = name.casefold()
        if key not in self._by_key:
            cert = Certification(name=name)
            db.session.add(cert)
            self._by_key[key] = cert
        return self._by_key[key]

    def many(self, names: list[str]) -> list[Certification]:
        return list({id(c): c for c in (self.get(n) for n in names)}.values())


def certification_names() -> list[str]:
    return list(db.session.scalars(select(Certification.name).order_by(func.lower(
        Certification.name))))
