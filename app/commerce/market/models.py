"""The co-prosperity market (상생마켓): catalogue products listed for an event, and orders for
pickup at the booth.

A listing points at the catalogue's product record: the catalogue, the market and live sessions
share one product; the listing adds what selling at one event needs (price in won, stock, booth,
photos, review status).
"""

import secrets
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.catalogue.models import Company, Product
from app.core.db import UTCDateTime, enum_column, utcnow
from app.expo.models import Event
from app.extensions import db
from app.i18n import _l


class Category(StrEnum):
    FOOD = "food"
    HOUSEHOLD = "household"
    BEAUTY_HEALTH = "beauty_health"
    FASHION = "fashion"
    ELECTRONICS = "electronics"
    OTHER = "other"


class ListingStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class OrderStatus(StrEnum):
    RESERVED = "reserved"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"


CATEGORIES = tuple(category.value for category in Category)
LISTING_STATUSES = tuple(status.value for status in ListingStatus)
ORDER_STATUSES = tuple(status.value for status in OrderStatus)
# Pickup codes are read aloud and typed at the booth: no 0/O, 1/I/L.
PICKUP_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
PICKUP_CODE_LENGTH = 6


def category_labels() -> dict[str, str]:
    return {"food": _l("Food"), "household": _l("Household goods"),
            "beauty_health": _l("Beauty and health"), "fashion": _l("Fashion"),
            "electronics": _l("Electronics"), "other": _l("Other goods")}


def listing_status_labels() -> dict[str, str]:
    return {"pending": _l("Waiting for review"), "approved": _l("Approved"),
            "rejected": _l("Rejected")}


def order_status_labels() -> dict[str, str]:
    return {"reserved": _l("Reserved"), "fulfilled": _l("Picked up"),
            "cancelled": _l("Cancelled")}


def new_pickup_code() -> str:
    return "".join(secrets.choice(PICKUP_ALPHABET) for _i in range(PICKUP_CODE_LENGTH))


class MarketListing(db.Model):
    __tablename__ = "market_listing"
    __table_args__ = (
        UniqueConstraint("event_id", "product_id"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("price_krw > 0", name="price_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"),
                                            index=True)
    # The product's company, kept on the listing: ownership checks and sales per supplier.
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id", ondelete="CASCADE"),
                                            index=True)
    price_krw: Mapped[int] = mapped_column(Integer)
    stock: Mapped[int] = mapped_column(Integer)
    booth: Mapped[str | None] = mapped_column(String(20))
    category: Mapped[str] = enum_column("category", Category, check="known_category", index=True)
    status: Mapped[str] = enum_column("status", ListingStatus, check="known_status", length=10,
                                      default="pending", index=True)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                                 onupdate=utcnow)

    event: Mapped[Event] = relationship()
    product: Mapped[Product] = relationship()
    company: Mapped[Company] = relationship()
    photos: Mapped[list["MarketPhoto"]] = relationship(
        back_populates="listing", cascade="all, delete-orphan", order_by="MarketPhoto.id")

    @property
    def category_label(self) -> str:
        return str(category_labels()[self.category])

    @property
    def status_label(self) -> str:
        return str(listing_status_labels()[self.status])

    @property
    def is_approved(self) -> bool:
        return self.status == "approved"


class MarketPhoto(db.Model):
    """One uploaded photo, stored re-encoded as `<name>.jpg` and `<name>-thumb.jpg`."""

    __tablename__ = "market_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("market_listing.id", ondelete="CASCADE"),
                                            index=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    listing: Mapped[MarketListing] = relationship(back_populates="photos")

    def fit(self, box: int) -> tuple[int, int]:
        """Width and height of the photo shown within a box x box square, for <img>."""
        scale = box / max(self.width, self.height)
        return max(1, round(self.width * scale)), max(1, round(self.height * scale))

    def filename(self, size: str = "full") -> str:
        return f"{self.name}-thumb.jpg" if size == "thumb" else f"{self.name}.jpg"


class MarketOrder(db.Model):
    """Units of one listing reserved for pickup at the booth; the price is the one ordered at."""

    __tablename__ = "market_order"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price_krw > 0", name="price_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("market_listing.id", ondelete="CASCADE"),
                                            index=True)
    # Kept when the account goes, so that the supplier's sales figures stay right.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"),
                                                index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_krw: Mapped[int] = mapped_column(Integer)
    pickup_code: Mapped[str] = mapped_column(String(12), unique=True)
    status: Mapped[str] = enum_column("status", OrderStatus, check="known_status", length=10,
                                      default="reserved", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    fulfilled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    listing: Mapped[MarketListing] = relationship()
    user: Mapped[User | None] = relationship()

    @property
    def total_krw(self) -> int:
        return self.quantity * self.unit_price_krw

    @property
    def status_label(self) -> str:
        return str(order_status_labels()[self.status])
