"""Orders for pickup: stock, pickup codes, fulfilment, cancellation, and concurrent buyers."""

import re
import threading
from datetime import date

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from app.auth import services as auth_services
from app.auth.models import Role, User
from app.catalogue.models import Company, Product
from app.commerce.market import orders, services
from app.commerce.market.models import PICKUP_ALPHABET, MarketListing, MarketOrder
from app.core.errors import Forbidden
from app.expo import events as setup
from app.extensions import db as _db


def test_order_takes_stock_and_gets_a_pickup_code(market, make_listing, db):
    listing = make_listing(stock=5, price_krw=12_000)
    order = orders.place_order(listing, market["users"]["buyer"], 2)
    assert (order.status, order.quantity, order.unit_price_krw, order.total_krw) == \
        ("reserved", 2, 12_000, 24_000)
    assert re.fullmatch(f"[{PICKUP_ALPHABET}]{{6}}", order.pickup_code)
    assert listing.stock == 3
    codes = {order.pickup_code} | {
        orders.place_order(listing, market["users"]["other_buyer"], 1).pickup_code
        for _n in range(3)}
    assert len(codes) == 4
    assert listing.stock == 0


def test_stock_never_goes_below_zero(market, make_listing, db):
    listing = make_listing(stock=2)
    with pytest.raises(orders.OutOfStock, match="2 left"):
        orders.place_order(listing, market["users"]["buyer"], 3)
    orders.place_order(listing, market["users"]["buyer"], 2)
    with pytest.raises(orders.OutOfStock, match="0 left"):
        orders.place_order(listing, market["users"]["buyer"], 1)
    assert listing.stock == 0


def test_the_database_refuses_negative_stock(market, make_listing, db):
    listing = make_listing(stock=1)
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(text("UPDATE market_listing SET stock = -1 WHERE id = :id"),
                           {"id": listing.id})


def test_order_rules(market, make_listing, db):
    pending = make_listing(status="pending")
    with pytest.raises(orders.ListingNotAvailable):
        orders.place_order(pending, market["users"]["buyer"], 1)
    listing = make_listing(market["radish"])
    with pytest.raises(orders.OwnProduct):
        orders.place_order(listing, market["users"]["supplier"], 1)
    for quantity in (0, -3, orders.MAX_ORDER_QUANTITY + 1):
        with pytest.raises(orders.InvalidQuantity):
            orders.place_order(listing, market["users"]["buyer"], quantity)
    # Any role may order: another supplier, an organiser.
    orders.place_order(listing, market["users"]["other_supplier"], 1)
    orders.place_order(listing, market["users"]["organiser"], 1)


def test_cancelling_returns_the_stock_once(market, make_listing, db):
    listing = make_listing(stock=5)
    order = orders.place_order(listing, market["users"]["buyer"], 3)
    assert listing.stock == 2
    with pytest.raises(Forbidden):
        orders.cancel_order(order, market["users"]["other_buyer"])
    with pytest.raises(Forbidden):
        orders.cancel_order(order, market["users"]["other_supplier"])
    orders.cancel_order(order, market["users"]["buyer"])
    assert (order.status, listing.stock) == ("cancelled", 5)
    assert order.cancelled_at is not None
    with pytest.raises(orders.OrderClosed):
        orders.cancel_order(order, market["users"]["supplier"])
    assert listing.stock == 5


@pytest.mark.parametrize("who", ["supplier", "organiser"])
def test_supplier_or_organiser_may_cancel(market, make_listing, db, who):
    listing = make_listing(stock=5)
    order = orders.place_order(listing, market["users"]["buyer"], 1)
    orders.cancel_order(order, market["users"][who])
    assert (order.status, listing.stock) == ("cancelled", 5)


def test_supplier_hands_over_the_order(market, make_listing, db):
    listing = make_listing(stock=5)
    order = orders.place_order(listing, market["users"]["buyer"], 2)
    for name in ("buyer", "other_supplier"):
        with pytest.raises(Forbidden):
            orders.fulfil_order(order, market["users"][name])
    orders.fulfil_order(order, market["users"]["supplier"])
    assert (order.status, listing.stock) == ("fulfilled", 3)
    assert order.fulfilled_at is not None
    with pytest.raises(orders.OrderClosed):  # picked up: no longer cancellable
        orders.cancel_order(order, market["users"]["buyer"])
    assert listing.stock == 3


def test_fulfil_by_pickup_code(market, make_listing, db):
    listing = make_listing(stock=5)
    other = make_listing(market["soap"], company=market["soap_maker"])
    order = orders.place_order(listing, market["users"]["buyer"], 1)
    soap_order = orders.place_order(other, market["users"]["buyer"], 1)
    company, supplier = market["company"], market["users"]["supplier"]
    with pytest.raises(orders.UnknownPickupCode):  # another supplier's order
        orders.fulfil_by_code(company, soap_order.pickup_code, supplier)
    with pytest.raises(Forbidden):
        orders.fulfil_by_code(company, order.pickup_code, market["users"]["other_supplier"])
    code = order.pickup_code
    typed = f" {code[:3].lower()}-{code[3:].lower()} "
    assert orders.fulfil_by_code(company, typed, supplier) is order
    assert order.status == "fulfilled"
    with pytest.raises(orders.UnknownPickupCode):  # only once
        orders.fulfil_by_code(company, code, supplier)


def test_order_pages(client, login, market, make_listing, db):
    listing = make_listing(stock=3)
    login(market["users"]["buyer"])
    response = client.post(f"/market/listings/{listing.id}/order", data={"quantity": "2"},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 302
    order = db.session.scalar(select(MarketOrder))
    page = client.get("/market/orders", headers={"Accept-Language": "en"}).text
    assert order.pickup_code in page
    assert "Your pickup code is" in page
    response = client.post(f"/market/listings/{listing.id}/order", data={"quantity": "2"},
                           headers={"Accept-Language": "en", "Referer": "http://localhost/x"})
    assert response.status_code == 303  # refused with a flashed message
    page = client.get("/market/orders", headers={"Accept-Language": "en"}).text
    assert "Not enough stock: 1 left." in page
    assert client.post(f"/market/orders/{order.id}/fulfil").status_code == 403
    assert client.post(f"/market/orders/{order.id}/cancel").status_code == 302
    db.session.refresh(listing)
    assert listing.stock == 3
    client.post("/logout")
    order = orders.place_order(listing, market["users"]["other_buyer"], 1)
    db.session.commit()
    login(market["users"]["supplier"])
    page = client.get(f"/companies/{market['company'].id}/market").text
    assert order.pickup_code in page
    response = client.post(f"/companies/{market['company'].id}/market/pickup",
                           data={"code": order.pickup_code.lower()})
    assert response.status_code == 302
    db.session.refresh(order)
    assert order.status == "fulfilled"


# --- Concurrency: committed rows, several connections ----------------------------------------

def _seed_race(app, stock: int, buyers: int) -> tuple[int, list[int]]:
    with app.app_context():
        organiser = auth_services.create_user("ops@example.com", "s3cret-test-pw", Role.ORGANISER)
        event = setup.create_event(organiser, name_ko="경쟁", name_en="Race",
                                   starts_on=date(2025, 10, 21), ends_on=date(2025, 10, 21))
        company = Company(supplier_ref="S1", name_ko="인기기업")
        product = Product(company=company, product_ref="P1", name_ko="한정판 김치",
                          description_ko="마지막 몇 개")
        _db.session.add_all([company, product])
        _db.session.flush()
        supplier = auth_services.create_user("s@example.com", "s3cret-test-pw", Role.SUPPLIER,
                                             company_id=company.id)
        listing = services.create_listing(company, product, event, supplier, price_krw=5_000,
                                          stock=stock, category="food")
        services.approve_listing(listing, organiser)
        user_ids = [auth_services.create_user(f"b{n}@example.com", "s3cret-test-pw",
                                              Role.ORGANISER).id for n in range(buyers)]
        _db.session.commit()
        return listing.id, user_ids


def _in_threads(target, args_list) -> None:
    threads = [threading.Thread(target=target, args=args) for args in args_list]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)


def test_concurrent_orders_never_oversell(separate_database):
    """Eight people order 2 of the last 5 units at the same moment: two get them, one unit
    stays, nobody gets a negative stock."""
    app = separate_database
    listing_id, user_ids = _seed_race(app, stock=5, buyers=8)
    barrier = threading.Barrier(len(user_ids))
    outcomes: list[str] = []

    def order(user_id: int) -> None:
        barrier.wait(timeout=30)
        with app.app_context():
            listing = _db.session.get(MarketListing, listing_id)
            user = _db.session.get(User, user_id)
            try:
                orders.place_order(listing, user, 2)
                _db.session.commit()
                outcomes.append("ordered")
            except orders.OutOfStock:
                _db.session.rollback()
                outcomes.append("sold out")
            except Exception as error:  # recorded so that the assertion shows it
                _db.session.rollback()
                outcomes.append(repr(error))

    _in_threads(order, [(user_id,) for user_id in user_ids])
    assert sorted(outcomes) == ["ordered"] * 2 + ["sold out"] * 6
    with app.app_context():
        assert _db.session.get(MarketListing, listing_id).stock == 1
        placed = _db.session.scalars(select(MarketOrder)).all()
        assert sum(o.quantity for o in placed) == 4
        assert len({o.pickup_code for o in placed}) == 2


def test_concurrent_cancellations_return_the_stock_once(separate_database):
    app = separate_database
    listing_id, user_ids = _seed_race(app, stock=5, buyers=1)
    with app.app_context():
        order = orders.place_order(_db.session.get(MarketListing, listing_id),
                                     _db.session.get(User, user_ids[0]), 3)
        _db.session.commit()
        order_id = order.id
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def cancel() -> None:
        barrier.wait(timeout=30)
        with app.app_context():
            try:
                orders.cancel_order(_db.session.get(MarketOrder, order_id),
                                      _db.session.get(User, user_ids[0]))
                _db.session.commit()
                outcomes.append("cancelled")
            except orders.OrderClosed:
                _db.session.rollback()
                outcomes.append("closed")
            except Exception as error:
                _db.session.rollback()
                outcomes.append(repr(error))

    _in_threads(cancel, [()] * 4)
    assert sorted(outcomes) == ["cancelled"] + ["closed"] * 3
    with app.app_context():
        assert _db.session.get(MarketListing, listing_id).stock == 5


def test_stock_edit_counts_orders_placed_while_the_form_was_open(market, make_listing, db):
    listing = make_listing(stock=5)
    supplier = market["users"]["supplier"]
    orders.place_order(listing, market["users"]["buyer"], 2)  # the form still shows 5
    services.update_listing(listing, supplier, price_krw=12_000, stock=8, stock_seen=5,
                            category="food")
    assert listing.stock == 6  # 3 more than the form showed, on top of 3 left
    orders.place_order(listing, market["users"]["buyer"], 5)  # the form shows 6
    with pytest.raises(services.StockChanged):  # taking 4 away would go below zero
        services.update_listing(listing, supplier, price_krw=12_000, stock=2, stock_seen=6,
                                category="food")
    services.update_listing(listing, supplier, price_krw=12_000, stock=0, category="food")
    assert listing.stock == 0
