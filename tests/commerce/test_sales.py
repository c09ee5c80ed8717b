"""Sales figures from known orders: per supplier (and per event) and per event for organisers."""

import pytest

from app.commerce.market import orders
from app.core.errors import Forbidden


@pytest.fixture
def sold(market, make_listing, db):
    """Kimchi (12,000 won) at two events and soap (8,500 won): orders picked up, waiting and
    cancelled."""
    buyer, organiser = market["users"]["buyer"], market["users"]["organiser"]
    kimchi = make_listing(market["kimchi"], price_krw=12_000, stock=50)
    kimchi_autumn = make_listing(market["kimchi"], event=market["other_event"], price_krw=11_000,
                                 stock=50)
    soap = make_listing(market["soap"], company=market["soap_maker"], price_krw=8_500,
                        stock=50, category="beauty_health")
    for listing, quantity, fate in [(kimchi, 2, "fulfil"), (kimchi, 3, "fulfil"),
                                    (kimchi, 1, "open"), (kimchi, 4, "cancel"),
                                    (kimchi_autumn, 5, "fulfil"), (soap, 1, "fulfil"),
                                    (soap, 2, "open")]:
        order = orders.place_order(listing, buyer, quantity)
        if fate == "fulfil":
            orders.fulfil_order(order, organiser)
        elif fate == "cancel":
            orders.cancel_order(order, buyer)
    db.session.commit()
    return market


def test_supplier_sales(sold):
    sales = orders.company_sales(sold["company"], sold["users"]["supplier"])
    assert (sales.orders, sales.units, sales.revenue_krw) == (3, 10, 5 * 12_000 + 5 * 11_000)
    assert (sales.open_orders, sales.open_units, sales.open_value_krw) == (1, 1, 12_000)
    by_event = {row.event.name_en: (row.orders, row.units, row.revenue_krw)
                for row in sales.by_event}
    assert by_event == {"Co-prosperity Expo": (2, 5, 60_000), "Autumn Fair": (1, 5, 55_000)}
    with pytest.raises(Forbidden):
        orders.company_sales(sold["company"], sold["users"]["other_supplier"])


def test_event_sales_per_supplier(sold):
    rows, total = orders.event_sales(sold["event"], sold["users"]["organiser"])
    assert [(row.company.name_ko, row.orders, row.units, row.revenue_krw, row.open_orders,
             row.open_value_krw) for row in rows] == [("전라김치", 2, 5, 60_000, 1, 12_000),
                                                     ("제주비누", 1, 1, 8_500, 1, 17_000)]
    assert (total.orders, total.units, total.revenue_krw) == (3, 6, 68_500)
    with pytest.raises(Forbidden):
        orders.event_sales(sold["event"], sold["users"]["supplier"])


def test_sales_pages_format_won(client, login, sold):
    login(sold["users"]["supplier"])
    page = client.get(f"/companies/{sold['company'].id}/market",
                      headers={"Accept-Language": "en"}).text
    assert "₩115,000" in page
    assert "units sold" in page
    client.post("/logout")
    login(sold["users"]["organiser"])
    page = client.get(f"/market/events/{sold['event'].id}", headers={"Accept-Language": "ko"}).text
    assert '<html lang="ko">' in page
    assert "₩68,500" in page
    assert "₩60,000" in page
    assert "매출" in page
