"""The demo expo's co-prosperity market and its live session (safe to load again)."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.auth.models import User
from app.catalogue.models import Company, Product
from app.commerce.live import services as live
from app.commerce.live.models import LiveSession
from app.commerce.market import services
from app.commerce.market.models import MarketListing
from app.expo.models import Event
from app.extensions import db

# (supplier_ref, product_ref, price in won, stock, category, booth)
LISTINGS = (
    ("SME001", "P0001", 4_500, 200, "food", "A-12"),
    ("SME001", "P0002", 2_000, 300, "food", "A-12"),
    ("SME002", "P0004", 15_000, 80, "food", "A-14"),
    ("SME003", "P0009", 18_000, 40, "food", "B-01"),
    ("SME004", "P0012", 39_000, 50, "beauty_health", "B-05"),
)
SESSION_TITLE_EN = "Live cooking: Hoengseong brown rice noodles"


def _product(supplier_ref: str, product_ref: str) -> Product | None:
    return db.session.scalar(select(Product).join(Company).where(
        Company.supplier_ref == supplier_ref, Product.product_ref == product_ref))


def load_demo_market(event: Event, organiser: User, host: User | None,
                     buyer: User | None) -> LiveSession:
    """Approved listings of five SMEs and SME001's live session with a first Q&A; what
    exists already is left as it is."""
    listings = {}
    for supplier_ref, product_ref, price, stock, category, booth in LISTINGS:
        product = _product(supplier_ref, product_ref)
        if product is None:
            continue
        listing = db.session.scalar(select(MarketListing).where(
            MarketListing.event_id == event.id, MarketListing.product_id == product.id))
        if listing is None:
            listing = services.create_listing(product.company, product, event, organiser,
                                              price_krw=price, stock=stock, category=category,
                                              booth=booth)
            services.approve_listing(listing, organiser)
        listings[product_ref] = listing
    existing = db.session.scalar(select(LiveSession).where(
        LiveSession.event_id == event.id, LiveSession.title_en == SESSION_TITLE_EN))
    if existing is not None:
        return existing
    company = db.session.scalar(select(Company).where(Company.supplier_ref == "SME001"))
    starts = datetime.combine(event.starts_on, time(15), tzinfo=ZoneInfo(event.timezone))
    session = live.create_session(
        event, company, organiser, title_ko="횡성 현미 쌀국수 라이브 쿠킹",
        title_en=SESSION_TITLE_EN,
        description_ko="강원 횡성 현미로 만든 글루텐프리 쌀국수로 5분 볶음면을 만들어 봅니다. "
                       "방송 중 주문하면 A-12 부스에서 바로 받아 가실 수 있습니다.",
        description_en="A five-minute stir-fry with gluten-free noodles made from Hoengseong "
                       "brown rice. Order during the show and pick up at booth A-12.",
        starts_at=starts, ends_at=starts + timedelta(hours=1), host_user=host,
        host_name="횡성쌀면 김다은 대표", stream_url="",
        listings=[listings[ref] for ref in ("P0001", "P0002") if ref in listings])
    if buyer is not None and host is not None:
        question = live.post_message(
            session, buyer, "Are the noodles certified gluten-free? We supply supermarkets "
                            "in New Zealand.")
        answer = live.post_message(
            session, host, "네, 밀가루를 전혀 쓰지 않고 HACCP·비건 인증을 받았습니다. "
                           "Yes: no wheat at all, HACCP and Vegan certified.", question)
        live.set_pinned(answer, host, True)
    db.session.flush()
    return session
