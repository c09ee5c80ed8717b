"""The demo expo's market and live session: loaded from the demo catalogue, and loading them
again changes nothing."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.auth.models import Role
from app.catalogue.models import Company
from app.catalogue.transfer import import_catalogue
from app.commerce.live.models import LiveEvent, LiveFeatured, LiveMessage, LiveSession
from app.commerce.market.models import MarketListing
from app.demo.cli import DATA
from app.demo.market import LISTINGS, load_demo_market
from app.expo import events as setup
from app.spreadsheets.tabular import read_path


def counts(db) -> dict:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (MarketListing, LiveSession, LiveFeatured, LiveMessage, LiveEvent)}


def test_demo_market_and_live_session(db, make_user, client):
    import_catalogue(read_path(DATA / "catalogue.csv", max_rows=1000, max_bytes=10**7))
    sme001 = db.session.scalar(select(Company).where(Company.supplier_ref == "SME001"))
    organiser = make_user(Role.ORGANISER)
    host = make_user(Role.SUPPLIER, company=sme001)
    buyer = make_user(Role.BUYER)
    event = setup.create_event(organiser, name_ko="스마트비즈엑스포 2025",
                               name_en="Smart Biz Expo 2025", starts_on=date(2025, 10, 21),
                               ends_on=date(2025, 10, 22))
    session = load_demo_market(event, organiser, host, buyer)
    db.session.commit()
    first = counts(db)
    assert first == {"MarketListing": len(LISTINGS), "LiveSession": 1, "LiveFeatured": 2,
                     "LiveMessage": 2, "LiveEvent": 3}
    assert all(listing.is_approved for listing in db.session.scalars(select(MarketListing)))
    assert session.company_id == sme001.id
    assert session.starts_at.astimezone(ZoneInfo(event.timezone)) == datetime(
        2025, 10, 21, 15, tzinfo=ZoneInfo(event.timezone))  # the event's first day, 15:00
    assert session.host_user_id == host.id
    assert load_demo_market(event, organiser, host, buyer).id == session.id
    db.session.commit()
    assert counts(db) == first
    page = client.get(f"/live/{session.id}", headers={"Accept-Language": "ko"}).text
    assert "횡성 현미 쌀국수 라이브 쿠킹" in page
    assert "₩4,500" in page
    assert "HACCP·비건 인증" in page  # the pinned answer
    assert 'kind-label">답변</span>' in page  # a chat answer, not 응답 (answering a request)
