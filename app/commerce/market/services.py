"""Market listings: creating and editing them with their photos, the organisers' review, search.

Stock edits go through a conditional UPDATE (see `_change_stock`); orders are in `orders`.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import Select, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.auth.permissions import can_edit_company, ensure_company_editor, ensure_organiser
from app.catalogue.models import Company, Product
from app.catalogue.services import _matches_terms as matches_terms
from app.commerce.market import images
from app.commerce.market.models import (
    CATEGORIES,
    MarketListing,
    MarketPhoto,
)
from app.core.db import utcnow
from app.core.errors import DomainError
from app.expo.models import Event
from app.extensions import db
from app.i18n import _l

MAX_PRICE_KRW = 100_000_000
MAX_STOCK = 1_000_000


class DuplicateListing(DomainError):
    message = _l("This product is already listed at this event's market. Edit that listing.")


class NotYourProduct(DomainError):
    status = 403
    message = _l("You can only list your own company's products.")


class InvalidListing(DomainError):
    status = 400
    message = _l("Check the price, stock and category of the listing.")


class TooManyPhotos(DomainError):
    status = 422
    message = _l("A listing can have at most %(limit)d photos.")


class StockChanged(DomainError):
    message = _l("Orders came in while you were editing: fewer units are left than you took "
                 "away. Check the stock and save again.")


class ReasonRequired(DomainError):
    status = 400
    message = _l("Say why the listing is rejected, so that the supplier can fix it.")


# --- Who may see and change what -------------------------------------------------------------

def can_view_listing(user: User, listing: MarketListing) -> bool:
    """Approved listings are public; others only for their supplier and the organisers."""
    return listing.is_approved or can_edit_company(user, listing.company_id)


def _check_listing_fields(price_krw: int, stock: int, category: str) -> None:
    if not 0 < price_krw <= MAX_PRICE_KRW:
        raise InvalidListing(_l("The price must be a whole number of won above 0."))
    if not 0 <= stock <= MAX_STOCK:
        raise InvalidListing(_l("The stock must be a whole number, 0 or more."))
    if category not in CATEGORIES:
        raise InvalidListing(_l("Choose one of the market's categories."))


def max_photos() -> int:
    return current_app.config["MARKET_MAX_PHOTOS"]


def _add_photos(listing: MarketListing, photos: Sequence[images.PreparedPhoto]) -> None:
    if len(listing.photos) + len(photos) > max_photos():
        raise TooManyPhotos(limit=max_photos())
    for photo in photos:
        listing.photos.append(MarketPhoto(name=images.store(photo), width=photo.width,
                                          height=photo.height))


def create_listing(company: Company, product: Product, event: Event, by: User, *, price_krw: int,
                   stock: int, category: str, booth: str | None = None,
                   photos: Sequence[images.PreparedPhoto] = ()) -> MarketListing:
    """A new listing waits for an organiser's review."""
    ensure_company_editor(by, company.id)
    if product.company_id != company.id:
        raise NotYourProduct()
    _check_listing_fields(price_krw, stock, category)
    taken = db.session.scalar(select(MarketListing.id).where(
        MarketListing.event_id == event.id, MarketListing.product_id == product.id))
    if taken is not None:
        raise DuplicateListing()
    listing = MarketListing(event=event, product=product, company_id=company.id,
                            price_krw=price_krw, stock=stock, category=category,
                            booth=booth or None, status="pending")
    db.session.add(listing)
    _add_photos(listing, photos)
    try:
        db.session.flush()
    except IntegrityError as error:  # listed concurrently after our check
        images.discard([photo.name for photo in listing.photos])
        raise DuplicateListing() from error
    return listing


def _back_to_review(listing: MarketListing) -> None:
    listing.status, listing.rejection_reason, listing.reviewed_at = "pending", None, None


def update_listing(listing: MarketListing, by: User, *, price_krw: int, stock: int,
                   category: str, booth: str | None = None,
                   photos: Sequence[images.PreparedPhoto] = (), stock_seen: int | None = None
                   ) -> MarketListing:
    """A supplier's new price or photos (or any change to a rejected listing) go back to
    review; stock, booth and category changes of an approved listing do not.

    `stock_seen` is the stock the edit form showed: orders placed since then still count.
    """
    ensure_company_editor(by, listing.company_id)
    _check_listing_fields(price_krw, stock, category)
    needs_review = price_krw != listing.price_krw or bool(photos) \
        or listing.status == "rejected"
    _change_stock(listing, stock - (listing.stock if stock_seen is None else stock_seen))
    listing.price_krw, listing.category = price_krw, category
    listing.booth = booth or None
    _add_photos(listing, photos)  # last: the files are written once nothing else can fail
    if needs_review and not by.is_organiser:
        _back_to_review(listing)
    db.session.flush()
    return listing


def _change_stock(listing: MarketListing, change: int) -> None:
    """stock = stock + change in one UPDATE, refused if that would go below zero."""
    if change:
        table = MarketListing.__table__
        result = db.session.execute(
            update(table).where(table.c.id == listing.id, table.c.stock + change >= 0)
            .values(stock=table.c.stock + change))
        db.session.expire(listing, ["stock"])
        if result.rowcount != 1:
            raise StockChanged()


def remove_photo(photo: MarketPhoto, by: User) -> str:
    """Delete the row and return the stored name: the caller discards the files after commit."""
    listing = photo.listing
    ensure_company_editor(by, listing.company_id)
    listing.photos.remove(photo)
    if not by.is_organiser:
        _back_to_review(listing)
    db.session.flush()
    return photo.name


def approve_listing(listing: MarketListing, by: User) -> MarketListing:
    ensure_organiser(by)
    listing.status, listing.rejection_reason, listing.reviewed_at = "approved", None, utcnow()
    db.session.flush()
    return listing


def reject_listing(listing: MarketListing, by: User, reason: str) -> MarketListing:
    ensure_organiser(by)
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    listing.status, listing.rejection_reason, listing.reviewed_at = "rejected", reason, utcnow()
    db.session.flush()
    return listing


@dataclass
class MarketFilters:
    q: str = ""
    category: str = ""
    event_id: int | None = None


def market_search(filters: MarketFilters) -> Select:
    """Approved listings, searched by substrings of the product's names and descriptions."""
    stmt = (select(MarketListing).join(MarketListing.product).join(MarketListing.event)
            .where(MarketListing.status == "approved")
            .options(selectinload(MarketListing.product), selectinload(MarketListing.company),
                     selectinload(MarketListing.event), selectinload(MarketListing.photos)))
    if filters.q:
        stmt = stmt.where(*matches_terms(filters.q, Product.name_ko, Product.name_en,
                                         Product.description_ko, Product.description_en))
    if filters.category in CATEGORIES:
        stmt = stmt.where(MarketListing.category == filters.category)
    if filters.event_id:
        stmt = stmt.where(MarketListing.event_id == filters.event_id)
    return stmt.order_by(Event.starts_on.desc(), Product.name_ko, MarketListing.id)


def events_with_market() -> list[Event]:
    """Events with at least one approved listing, for the market's filter."""
    with_listings = select(MarketListing.event_id).where(MarketListing.status == "approved")
    return list(db.session.scalars(select(Event).where(Event.id.in_(with_listings))
                                   .order_by(Event.starts_on.desc())))


def listings_of(company: Company) -> list[MarketListing]:
    return list(db.session.scalars(
        select(MarketListing).where(MarketListing.company_id == company.id)
        .options(selectinload(MarketListing.product), selectinload(MarketListing.event),
                 selectinload(MarketListing.photos))
        .order_by(MarketListing.created_at.desc(), MarketListing.id.desc())))


def listings_for_review(by: User, status: str = "pending") -> list[MarketListing]:
    ensure_organiser(by)
    stmt = (select(MarketListing)
            .options(selectinload(MarketListing.product), selectinload(MarketListing.company),
                     selectinload(MarketListing.event), selectinload(MarketListing.photos))
            .order_by(MarketListing.updated_at, MarketListing.id))
    if status:
        stmt = stmt.where(MarketListing.status == status)
    return list(db.session.scalars(stmt))
