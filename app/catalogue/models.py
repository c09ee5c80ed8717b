"""Companies, products, certifications and export markets."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, utcnow
from app.extensions import db

product_certification = Table(
    "product_certification",
    db.metadata,
    Column("product_id", ForeignKey("product.id", ondelete="CASCADE"), primary_key=True),
    Column("certification_id", ForeignKey("certification.id", ondelete="CASCADE"),
           primary_key=True),
)


class Certification(db.Model):
    """A certification or registration (HACCP, Halal, FDA, ...), named once and shared."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)


class Company(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_ref: Mapped[str] = mapped_column(String(64), unique=True)
    name_ko: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    region_ko: Mapped[str | None] = mapped_column(String(100), index=True)
    description_ko: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    website: Mapped[str | None] = mapped_column(String(300))
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    # Languages the company's people speak in meetings (ISO 639-1, ";"-separated).
    languages: Mapped[str] = mapped_column(String(40), default="ko", server_default="ko")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                                 onupdate=utcnow, server_default=func.now())

    products: Mapped[list["Product"]] = relationship(
        back_populates="company", cascade="all, delete-orphan", order_by="Product.product_ref"
    )
    export_markets: Mapped[list["ExportMarket"]] = relationship(
        cascade="all, delete-orphan", order_by="ExportMarket.country_code"
    )

    @property
    def spoken_languages(self) -> list[str]:
        return [code for code in (self.languages or "ko").split(";") if code]

    @property
    def export_countries(self) -> list[str]:
        return [market.country_code for market in self.export_markets]

    @property
    def certifications(self) -> list[Certification]:
        """A company holds the certifications of its products."""
        names = {cert.name: cert for product in self.products for cert in product.certifications}
        return [names[name] for name in sorted(names)]


class ExportMarket(db.Model):
    """A country the company already exports to (ISO 3166-1 alpha-2)."""

    company_id: Mapped[int] = mapped_column(
        ForeignKey("company.id", ondelete="CASCADE"), primary_key=True
    )
    country_code: Mapped[str] = mapped_column(String(2), primary_key=True)


class Product(db.Model):
    __table_args__ = (
        UniqueConstraint("company_id", "product_ref"),
        CheckConstraint("unit_price_usd IS NULL OR unit_price_usd >= 0", name="price_not_negative"),
        CheckConstraint("hs_code IS NULL OR length(hs_code) IN (2, 4, 6)", name="hs_code_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id", ondelete="CASCADE"),
                                            index=True)
    product_ref: Mapped[str] = mapped_column(String(64))
    name_ko: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    description_ko: Mapped[str] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    hs_code: Mapped[str | None] = mapped_column(String(6), index=True)
    moq: Mapped[str | None] = mapped_column(String(100))
    unit_price_usd: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                                 onupdate=utcnow)

    company: Mapped[Company] = relationship(back_populates="products")
    certifications: Mapped[list[Certification]] = relationship(
        secondary=product_certification, order_by=Certification.name
    )
