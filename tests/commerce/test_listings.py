"""Listings: the review flow, who may change them, and the market's search."""

import io

import pytest

from app.commerce.market import services
from app.core.errors import Forbidden
from tests.commerce.conftest import image_bytes


def prepared(count=1):
    from app.commerce.market import images

    return [images.prepare(io.BytesIO(image_bytes()), "photo.png", 5 * 1024 * 1024)
            for _n in range(count)]


def test_new_listing_waits_for_review_then_is_approved(market, make_listing, db):
    listing = make_listing(status="pending")
    assert listing.status == "pending"
    assert listing.company_id == market["company"].id
    services.approve_listing(listing, market["users"]["organiser"])
    assert (listing.status, listing.rejection_reason) == ("approved", None)
    assert listing.reviewed_at is not None


def test_rejection_needs_a_reason_and_keeps_it(market, make_listing):
    listing = make_listing(status="pending")
    with pytest.raises(services.ReasonRequired):
        services.reject_listing(listing, market["users"]["organiser"], "  ")
    services.reject_listing(listing, market["users"]["organiser"], "사진이 흐립니다")
    assert (listing.status, listing.rejection_reason) == ("rejected", "사진이 흐립니다")


def test_supplier_price_or_photo_edit_sends_listing_back_to_review(market, make_listing):
    supplier = market["users"]["supplier"]
    listing = make_listing()
    fields = {"stock": 3, "category": "food", "booth": "B-1"}
    services.update_listing(listing, supplier, price_krw=12_000, **fields)
    assert listing.status == "approved"  # stock and booth: no new review
    services.update_listing(listing, supplier, price_krw=9_900, **fields)
    assert listing.status == "pending"
    services.approve_listing(listing, market["users"]["organiser"])
    services.update_listing(listing, supplier, price_krw=9_900, photos=prepared(), **fields)
    assert listing.status == "pending"
    assert len(listing.photos) == 1
    services.approve_listing(listing, market["users"]["organiser"])
    services.remove_photo(listing.photos[0], supplier)
    assert (listing.status, listing.photos) == ("pending", [])


def test_rejected_listing_edited_by_supplier_is_reviewed_again(market, make_listing):
    listing = make_listing(status="rejected")
    services.update_listing(listing, market["users"]["supplier"], price_krw=12_000, stock=10,
                            category="food")
    assert (listing.status, listing.rejection_reason) == ("pending", None)


def test_organiser_edit_keeps_the_status(market, make_listing):
    listing = make_listing()
    services.update_listing(listing, market["users"]["organiser"], price_krw=8_000, stock=1,
                            category="other")
    assert listing.status == "approved"


def test_only_owner_and_organisers_change_listings(market, make_listing):
    listing = make_listing(status="pending")
    for name in ("other_supplier", "buyer"):
        user = market["users"][name]
        with pytest.raises(Forbidden):
            services.update_listing(listing, user, price_krw=1, stock=1, category="food")
        with pytest.raises(Forbidden):
            services.approve_listing(listing, user)
        with pytest.raises(Forbidden):
            services.reject_listing(listing, user, "no")
    with pytest.raises(Forbidden):  # suppliers do not approve their own listings
        services.approve_listing(listing, market["users"]["supplier"])
    with pytest.raises(Forbidden):  # nor list for another company
        services.create_listing(market["soap_maker"], market["soap"], market["event"],
                                market["users"]["supplier"], price_krw=1, stock=1,
                                category="beauty_health")
    with pytest.raises(services.NotYourProduct):
        services.create_listing(market["company"], market["soap"], market["event"],
                                market["users"]["supplier"], price_krw=1, stock=1,
                                category="beauty_health")


def test_listing_rules(market, make_listing):
    supplier, company = market["users"]["supplier"], market["company"]
    make_listing()
    with pytest.raises(services.DuplicateListing):
        make_listing()
    for bad in ({"price_krw": 0}, {"stock": -1}, {"category": "weapons"}):
        fields = {"price_krw": 1000, "stock": 1, "category": "food", **bad}
        with pytest.raises(services.InvalidListing):
            services.create_listing(company, market["radish"], market["event"], supplier,
                                    **fields)
    with pytest.raises(services.TooManyPhotos):
        services.create_listing(company, market["radish"], market["event"], supplier,
                                price_krw=1000, stock=1, category="food", photos=prepared(6))


def search(**filters):
    from app.extensions import db

    return [listing.product.name_ko for listing in
            db.session.scalars(services.market_search(services.MarketFilters(**filters)))]


def test_market_shows_approved_listings_searched_in_korean_and_english(market, make_listing):
    make_listing(market["kimchi"])
    make_listing(market["radish"], status="pending")
    make_listing(market["soap"], company=market["soap_maker"], category="beauty_health",
                 event=market["other_event"])
    assert sorted(search()) == ["동백 비누", "포기김치"]
    assert search(q="김치") == ["포기김치"]  # a substring inside a word; 깍두기 is pending
    assert search(q="KIMCHI") == ["포기김치"]
    assert search(q="handmade") == ["동백 비누"]  # the English description
    assert search(q="동백오일") == ["동백 비누"]  # the Korean description
    assert search(q="kimchi soap") == []  # every word must match
    assert search(category="beauty_health") == ["동백 비누"]
    assert search(event_id=market["event"].id) == ["포기김치"]
    assert search(q="100%") == []


def test_market_page_filters(client, market, make_listing):
    make_listing(market["kimchi"])
    make_listing(market["soap"], company=market["soap_maker"], category="beauty_health")
    page = client.get("/market?q=soap", headers={"Accept-Language": "en"}).text
    assert "Camellia soap" in page
    assert "Napa cabbage kimchi" not in page
    page = client.get("/market?category=food", headers={"Accept-Language": "ko"}).text
    assert "포기김치" in page
    assert "동백 비누" not in page
    assert "₩12,000" in page


def test_listing_pages_follow_the_review(client, login, market, make_listing, db):
    listing = make_listing(status="pending")
    url = f"/market/listings/{listing.id}"
    assert client.get(url).status_code == 302  # anonymous: log in first
    login(market["users"]["other_supplier"])
    assert client.get(url).status_code == 403
    client.post("/logout")
    login(market["users"]["organiser"])
    assert client.get(url).status_code == 200
    response = client.post(f"{url}/reject", data={"reason": "가격을 확인해 주세요"})
    assert response.status_code == 302
    client.post("/logout")
    login(market["users"]["supplier"])
    page = client.get(f"/companies/{market['company'].id}/market",
                      headers={"Accept-Language": "ko"}).text
    assert "가격을 확인해 주세요" in page
    assert "반려" in page
    response = client.post(f"{url}/edit", data={"price_krw": "11000", "stock": "4",
                                                "category": "food", "booth": "A-1"})
    assert response.status_code == 302
    db.session.refresh(listing)
    assert (listing.status, listing.price_krw, listing.stock) == ("pending", 11_000, 4)
    client.post("/logout")
    login(market["users"]["organiser"])
    assert client.post(f"{url}/approve").status_code == 302
    client.post("/logout")
    assert client.get(url).status_code == 200  # public now
