"""Market pages in Korean and English, for each role."""

import pytest

from app.commerce.market import orders
from tests.test_i18n import leftovers


@pytest.fixture
def pages(market, make_listing, db):
    listing = make_listing(stock=4)
    pending = make_listing(market["radish"], status="pending")
    order = orders.place_order(listing, market["users"]["buyer"], 1)
    db.session.commit()
    return {"listing": listing.id, "pending": pending.id, "order": order.id,
            "company": market["company"].id, "event": market["event"].id}


PAGES = {
    None: ["/market", "/market?q=김치&category=food&event={event}", "/market/listings/{listing}"],
    "buyer": ["/market", "/market/listings/{listing}", "/market/orders"],
    "supplier": ["/companies/{company}/market", "/companies/{company}/market/new",
                 "/market/listings/{pending}/edit", "/market/listings/{pending}"],
    "organiser": ["/market/review", "/market/review?status=all", "/market/events/{event}",
                  "/market/listings/{pending}", "/companies/{company}/market"],
}
# A sentence of each page in both languages: the page is really translated.
EXPECTED = {
    "/market": ("Co-prosperity market", "상생마켓"),
    "/market/orders": ("My orders", "내 주문"),
    "/market/review": ("Review listings", "판매 등록 심사"),
}


@pytest.mark.parametrize("role", list(PAGES))
def test_pages_in_korean_and_english(client, login, market, pages, role):
    if role:
        login(market["users"][role])
    for template in PAGES[role]:
        url = template.format(**pages)
        korean = client.get(url, headers={"Accept-Language": "ko-KR,ko;q=0.9"})
        assert korean.status_code == 200, url
        assert '<html lang="ko">' in korean.text, url
        assert leftovers(korean.text, "id") == [], url
        english = client.get(url, headers={"Accept-Language": "en-US"})
        assert '<html lang="en">' in english.text, url
        assert leftovers(english.text, "string") == [], url
        if url in EXPECTED:
            assert EXPECTED[url][0] in english.text
            assert EXPECTED[url][1] in korean.text


def test_listing_page_in_the_viewers_language(client, market, pages):
    url = f"/market/listings/{pages['listing']}"
    korean = client.get(url, headers={"Accept-Language": "ko"}).text
    english = client.get(url, headers={"Accept-Language": "en"}).text
    assert korean.index("포기김치") < korean.index("Napa cabbage kimchi")
    assert english.index("Napa cabbage kimchi") < english.index("포기김치")
    assert "식품" in korean
    assert "Food" in english
    assert "₩12,000" in korean
    assert "₩12,000" in english
    assert "로그인하고 예약하기" in korean
