"""Stored vectors, match preferences and organisers' pre-matching runs."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.buyers.models import Buyer
from app.catalogue.models import Company
from app.core.db import UTCDateTime, enum_column, utcnow
from app.extensions import db


class ProductEmbedding(db.Model):
    """A product's vector under one model, with the hash of the text it was computed from."""

    __table_args__ = (UniqueConstraint("product_id", "model"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    model: Mapped[str] = mapped_column(String(120))
    text_hash: Mapped[str] = mapped_column(String(64))
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    embedded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BuyerEmbedding(db.Model):
    """A buyer's vector under one model; `needs` holds one vector per separate need of the
    text (requirements.split_needs), when it states more than one."""

    __table_args__ = (UniqueConstraint("buyer_id", "model"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyer.id", ondelete="CASCADE"))
    model: Mapped[str] = mapped_column(String(120))
    text_hash: Mapped[str] = mapped_column(String(64))
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    needs: Mapped[bytes | None] = mapped_column(LargeBinary)
    embedded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Preference(StrEnum):
    MEET = "meet"
    MUST_MEET = "must_meet"
    NO_THANKS = "no_thanks"


class PreferenceSide(StrEnum):
    BUYER = "buyer"
    SUPPLIER = "supplier"


class RunStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class MatchPreference(db.Model):
    """What one side thinks of a pair; "no thanks" from either side removes the pair."""

    __table_args__ = (
        UniqueConstraint("buyer_id", "company_id", "side"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyer.id", ondelete="CASCADE"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id", ondelete="CASCADE"),
                                            index=True)
    side: Mapped[str] = enum_column("side", PreferenceSide, check="known_side", length=10)
    choice: Mapped[str] = enum_column("choice", Preference, check="known_choice", length=12)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                                 onupdate=utcnow)


class MatchRun(db.Model):
    """An organiser's pre-matching of every buyer, reviewed and then published."""

    id: Mapped[int] = mapped_column(primary_key=True)
    model: Mapped[str] = mapped_column(String(120))
    data_version: Mapped[str] = mapped_column(String(200))
    top_n: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = enum_column("status", RunStatus, check="known_status", length=10,
                                      default="draft")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    results: Mapped[list["MatchResult"]] = relationship(
        back_populates="run", cascade="all, delete-orphan",
        order_by="(MatchResult.buyer_id, MatchResult.rank)")


class MatchResult(db.Model):
    __table_args__ = (UniqueConstraint("run_id", "buyer_id", "company_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("match_run.id", ondelete="CASCADE"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyer.id", ondelete="CASCADE"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id", ondelete="CASCADE"),
                                            index=True)
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)

    run: Mapped[MatchRun] = relationship(back_populates="results")

    @property
    def percent(self) -> int:
        from app.matching.scoring import shown_percent

        return shown_percent(self.score)
    buyer: Mapped[Buyer] = relationship()
    company: Mapped[Company] = relationship()


class DeclinedPair(db.Model):
    """A meeting request between the two was declined: the pair ranks lower from then on."""

    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyer.id", ondelete="CASCADE"),
                                          primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id", ondelete="CASCADE"),
                                            primary_key=True)
    declined_by: Mapped[str] = mapped_column(String(10))
    declined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DataVersion(db.Model):
    """A token per side ("product", "buyer"; "second": the second model's stored vectors),
    replaced in the same transaction as any change
    to that side, so every process can tell in one key lookup whether its index is current.
    A fresh random token, not a counter: a rolled-back change must not leave its number to be
    reused by a different one."""

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    version: Mapped[str] = mapped_column(String(32), default="initial")
