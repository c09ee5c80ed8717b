"""Market orders for pickup at the booth, and the sales figures they add up to.

Stock is taken and given back only by single conditional UPDATEs (and guarded by a CHECK
constraint), so that concurrent orders can never take it below zero, whatever the isolation
level.
"""

from dataclasses import dataclass, field

from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.auth.permissions import can_edit_company, ensure_company_editor, ensure_organiser
from app.catalogue.models import Company
from app.commerce.market.models import MarketListing, MarketOrder, new_pickup_code
from app.core.db import utcnow
from app.core.errors import DomainError, Forbidden
from app.expo.models import Event
from app.extensions import db
from app.i18n import _l

MAX_ORDER_QUANTITY = 1_000


class ListingNotAvailable(DomainError):
    message = _l("This product is not on sale at the market right now.")


class OutOfStock(DomainError):
    message = _l("Not enough stock: %(stock)d left. Order fewer or choose another product.")


class InvalidQuantity(DomainError):
    status = 400
    message = _l("Order between 1 and %(limit)d units.")


class OwnProduct(DomainError):
    message = _l("You cannot order your own company's products.")


class OrderClosed(DomainError):
    message = _l("This order has already been picked up or cancelled.")


class UnknownPickupCode(DomainError):
    status = 422  # flashed on the supplier's page, where the code is typed again
    message = _l("None of your open orders has the pickup code %(code)s.")


class PickupCodeClash(DomainError):
    message = _l("The order could not be saved. Please try again.")


def can_cancel_order(user: User, order: MarketOrder) -> bool:
    if not user.is_authenticated:
        return False
    return user.id == order.user_id or can_edit_company(user, order.listing.company_id)


# --- Orders ----------------------------------------------------------------------------------

def _take_stock(listing_id: int, quantity: int) -> bool:
    """UPDATE ... SET stock = stock - q WHERE id = ? AND stock >= q: one statement, so that two
    orders for the last units cannot both succeed (the row lock orders them; the second one
    re-reads the stock and its WHERE no longer matches)."""
    table = MarketListing.__table__
    result = db.session.execute(
        update(table)
        .where(table.c.id == listing_id, table.c.stock >= quantity,
               table.c.status == "approved")
        .values(stock=table.c.stock - quantity))
    return result.rowcount == 1


def _return_stock(listing_id: int, quantity: int) -> None:
    table = MarketListing.__table__
    db.session.execute(update(table).where(table.c.id == listing_id)
                       .values(stock=table.c.stock + quantity))


def _unused_pickup_code() -> str:
    while True:
        code = new_pickup_code()
        if db.session.scalar(select(MarketOrder.id).where(MarketOrder.pickup_code == code)) is None:
            return code


def place_order(listing: MarketListing, by: User, quantity: int) -> MarketOrder:
    """Reserve units for pickup at the booth; any logged-in user may order."""
    if not by.is_authenticated:
        raise Forbidden()
    if not 1 <= quantity <= MAX_ORDER_QUANTITY:
        raise InvalidQuantity(limit=MAX_ORDER_QUANTITY)
    if by.is_supplier and by.company_id == listing.company_id:
        raise OwnProduct()
    if not listing.is_approved:
        raise ListingNotAvailable()
    db.session.flush()
    if not _take_stock(listing.id, quantity):
        db.session.expire(listing)
        if not listing.is_approved:
            raise ListingNotAvailable()
        raise OutOfStock(stock=listing.stock)
    db.session.expire(listing, ["stock"])
    order = MarketOrder(listing=listing, user_id=by.id, quantity=quantity,
                        unit_price_krw=listing.price_krw, pickup_code=_unused_pickup_code())
    db.session.add(order)
    try:
        db.session.flush()
    except IntegrityError as error:  # the same code drawn concurrently: vanishingly rare
        raise PickupCodeClash() from error
    return order


def _close_order(order: MarketOrder, status: str) -> None:
    """reserved → status with a conditional UPDATE: closing twice at once changes one row."""
    table = MarketOrder.__table__
    stamp = {"fulfilled": table.c.fulfilled_at, "cancelled": table.c.cancelled_at}[status]
    db.session.flush()
    result = db.session.execute(
        update(table).where(table.c.id == order.id, table.c.status == "reserved")
        .values({table.c.status: status, stamp: utcnow()}))
    db.session.expire(order)
    if result.rowcount != 1:
        raise OrderClosed()


def cancel_order(order: MarketOrder, by: User) -> MarketOrder:
    """The orderer, the supplier or an organiser cancels; the units go back on sale."""
    if not can_cancel_order(by, order):
        raise Forbidden()
    _close_order(order, "cancelled")
    _return_stock(order.listing_id, order.quantity)
    db.session.expire(order.listing, ["stock"])
    return order


def fulfil_order(order: MarketOrder, by: User) -> MarketOrder:
    """The supplier (or an organiser) hands the goods over at the booth."""
    ensure_company_editor(by, order.listing.company_id)
    _close_order(order, "fulfilled")
    return order


def fulfil_by_code(company: Company, code: str, by: User) -> MarketOrder:
    """The buyer shows the pickup code at the booth; the supplier types it in."""
    ensure_company_editor(by, company.id)
    code = (code or "").strip().upper().replace(" ", "").replace("-", "")
    order = db.session.scalar(
        select(MarketOrder).join(MarketOrder.listing)
        .where(MarketOrder.pickup_code == code, MarketListing.company_id == company.id,
               MarketOrder.status == "reserved"))
    if order is None:
        raise UnknownPickupCode(code=code[:12])
    return fulfil_order(order, by)


def _orders(stmt: Select) -> list[MarketOrder]:
    return list(db.session.scalars(
        stmt.options(selectinload(MarketOrder.listing).selectinload(MarketListing.product),
                     selectinload(MarketOrder.listing).selectinload(MarketListing.event),
                     selectinload(MarketOrder.listing).selectinload(MarketListing.company),
                     selectinload(MarketOrder.user))
        .order_by(MarketOrder.created_at.desc(), MarketOrder.id.desc())))


def orders_of_user(user: User) -> list[MarketOrder]:
    return _orders(select(MarketOrder).where(MarketOrder.user_id == user.id))


def orders_for_company(company: Company, by: User) -> list[MarketOrder]:
    ensure_company_editor(by, company.id)
    return _orders(select(MarketOrder).join(MarketOrder.listing)
                   .where(MarketListing.company_id == company.id))


def orders_for_event(event: Event, by: User) -> list[MarketOrder]:
    ensure_organiser(by)
    return _orders(select(MarketOrder).join(MarketOrder.listing)
                   .where(MarketListing.event_id == event.id))


# --- Sales -----------------------------------------------------------------------------------

@dataclass
class Sales:
    """Picked-up orders are sales (paid at the booth); reserved ones are still open."""

    company: Company | None = None
    orders: int = 0
    units: int = 0
    revenue_krw: int = 0
    open_orders: int = 0
    open_units: int = 0
    open_value_krw: int = 0
    by_event: list["Sales"] = field(default_factory=list)
    event: Event | None = None

    def add(self, status: str, orders: int, units: int, value: int) -> None:
        if status == "fulfilled":
            self.orders += orders
            self.units += units
            self.revenue_krw += value
        elif status == "reserved":
            self.open_orders += orders
            self.open_units += units
            self.open_value_krw += value


def sales_rows(key, *conditions) -> list[tuple]:
    """(key, status, orders, units, value in KRW) of the orders not cancelled, grouped by `key`
    (event, supplier or listing) and status."""
    stmt = (select(key, MarketOrder.status, func.count(MarketOrder.id),
                   func.coalesce(func.sum(MarketOrder.quantity), 0),
                   func.coalesce(func.sum(MarketOrder.quantity * MarketOrder.unit_price_krw), 0))
            .join(MarketOrder.listing).where(MarketOrder.status != "cancelled", *conditions)
            .group_by(key, MarketOrder.status))
    return [tuple(row) for row in db.session.execute(stmt)]


def company_sales(company: Company, by: User) -> Sales:
    """A supplier's market sales: in total and per event."""
    ensure_company_editor(by, company.id)
    total = Sales(company=company)
    per_event: dict[int, Sales] = {}
    for event_id, status, orders, units, value in sales_rows(
            MarketListing.event_id, MarketListing.company_id == company.id):
        total.add(status, orders, int(units), int(value))
        per_event.setdefault(event_id, Sales(company=company, event=db.session.get(Event,
                                                                                     event_id)))
        per_event[event_id].add(status, orders, int(units), int(value))
    total.by_event = sorted(per_event.values(), key=lambda s: s.event.starts_on, reverse=True)
    return total


def event_sales(event: Event, by: User) -> tuple[list[Sales], Sales]:
    """Per supplier at one event, by revenue, and the event's total."""
    ensure_organiser(by)
    per_company: dict[int, Sales] = {}
    total = Sales()
    for company_id, status, orders, units, value in sales_rows(
            MarketListing.company_id, MarketListing.event_id == event.id):
        total.add(status, orders, int(units), int(value))
        per_company.setdefault(company_id, Sales(company=db.session.get(Company, company_id),
                                                 event=event))
        per_company[company_id].add(status, orders, int(units), int(value))
    rows = sorted(per_company.values(), key=lambda s: (-s.revenue_krw, -s.open_value_krw,
                                                       s.company.name_ko))
    return rows, total
