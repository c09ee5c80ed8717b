"""Buyer profiles: what an overseas importer wants and must have."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.catalogue.models import Certification
from app.core.db import UTCDateTime, enum_column, utcnow
from app.extensions import db

buyer_required_certification = Table(
    "buyer_required_certification",
    db.metadata,
    Column("buyer_id", ForeignKey("buyer.id", ondelete="CASCADE"), primary_key=True),
    Column("certification_id", ForeignKey("certification.id", ondelete="CASCADE"),
           primary_key=True),
)


class Language(StrEnum):
    """The languages a buyer can be written to in."""

    EN = "en"
    KO = "ko"


class Buyer(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_ref: Mapped[str] = mapped_column(String(64), unique=True)
    company_name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2), index=True)
    language: Mapped[str] = enum_column("language", Language, check="known_language",
                                        length=2)
    interests: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                                 onupdate=utcnow)

    required_certifications: Mapped[list[Certification]] = relationship(
        secondary=buyer_required_certification, order_by=Certification.name
    )
    hs_interests: Mapped[list["BuyerHSCode"]] = relationship(
        cascade="all, delete-orphan", order_by="BuyerHSCode.code"
    )

    @property
    def hs_codes(self) -> list[str]:
        return [entry.code for entry in self.hs_interests]


class BuyerHSCode(db.Model):
    """An HS code (chapter, heading or subheading) the buyer imports."""

    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyer.id", ondelete="CASCADE"),
                                          primary_key=True)
    code: Mapped[str] = mapped_column(String(6), primary_key=True)
