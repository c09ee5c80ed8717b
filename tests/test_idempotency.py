"""A form sent twice (a double click, a browser retry) acts once: orders and meeting requests
carry a one-time key, and the second arrival gets the first one's outcome (meeting requests:
tests/expo/test_request_twice.py)."""

import re

from sqlalchemy import func, select

from app.auth.models import Role
from app.commerce.market.models import MarketOrder
from tests.test_authorisation import world  # noqa: F401  (the fixture)


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_an_order_sent_twice_reserves_once(client, login, db, world):  # noqa: F811
    login(world["users"]["own_buyer"])
    page = client.get(f"/market/listings/{world['market_listing']}").text
    key = re.search(r'name="submission"[^>]*value="([^"]+)"', page).group(1)
    before = count(db, MarketOrder)
    first = client.post(f"/market/listings/{world['market_listing']}/order",
                        data={"quantity": "1", "submission": key}, follow_redirects=True)
    again = client.post(f"/market/listings/{world['market_listing']}/order",
                        data={"quantity": "1", "submission": key}, follow_redirects=True)
    assert count(db, MarketOrder) == before + 1
    code = re.search(r"pickup code is (\w+)", first.text).group(1)
    assert f"pickup code is {code}" in again.text  # the same reservation, shown again
    # A new form (a new key) is a new order.
    fresh = client.get(f"/market/listings/{world['market_listing']}").text
    new_key = re.search(r'name="submission"[^>]*value="([^"]+)"', fresh).group(1)
    assert new_key != key
    client.post(f"/market/listings/{world['market_listing']}/order",
                data={"quantity": "1", "submission": new_key})
    assert count(db, MarketOrder) == before + 2


def test_a_key_of_another_user_does_nothing_for_them(client, login, db, world, make_user):  # noqa: F811
    login(world["users"]["own_buyer"])
    client.post(f"/market/listings/{world['market_listing']}/order",
                data={"quantity": "1", "submission": "k" * 32})
    client.post("/logout")
    login(make_user(Role.BUYER))
    before = count(db, MarketOrder)
    response = client.post(f"/market/listings/{world['market_listing']}/order",
                           data={"quantity": "1", "submission": "k" * 32})
    assert response.status_code == 303  # refused: the key is taken
    assert count(db, MarketOrder) == before


def test_the_same_key_at_the_same_moment_acts_once(separate_database):
    """Four arrivals of one form at once (a frantic double click, retries): one order."""
    import threading

    from app.commerce.market import orders
    from app.commerce.market.models import MarketListing
    from app.extensions import db as _db
    from app.idempotency import AlreadySubmitted, Outcome, once
    from tests.commerce.test_orders import _seed_race

    app = separate_database
    listing_id, (user_id,) = _seed_race(app, stock=10, buyers=1)
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def arrive() -> None:
        barrier.wait(timeout=30)
        with app.app_context():
            from app.auth.models import User

            listing, user = _db.session.get(MarketListing, listing_id), \
                _db.session.get(User, user_id)
            try:
                outcome = once("same-key-" + "x" * 20, user.id, lambda: Outcome(
                    "/market/orders", orders.place_order(listing, user, 1).pickup_code))
                _db.session.commit()
                outcomes.append(outcome.message)
            except AlreadySubmitted:
                _db.session.rollback()
                outcomes.append("already")
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=arrive) for _number in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    with app.app_context():
        assert _db.session.scalar(select(func.count()).select_from(MarketOrder)) == 1
        assert _db.session.get(MarketListing, listing_id).stock == 9
    assert len(outcomes) == 4
    codes = {outcome for outcome in outcomes if outcome != "already"}
    assert len(codes) == 1  # everyone told about the one order, or that it was already sent
