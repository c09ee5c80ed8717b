"""A market: an event, a supplier with products, a second supplier, a buyer and an organiser;
photos go to a folder of the test's own."""

import io
from datetime import date, timedelta

import pytest
from PIL import Image

from app.auth.models import Role
from app.commerce.live import services as live
from app.commerce.market import services
from app.core.db import utcnow
from app.expo import events as setup
from app.extensions import db as _db


def image_bytes(size=(1600, 900), image_format="PNG", mode="RGB", **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 30, 30) if mode == "RGB" else None).save(out, image_format,
                                                                          **save)
    return out.getvalue()


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch):
    folder = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "MARKET_UPLOAD_DIR", str(folder))
    return folder


@pytest.fixture
def market(db, make_user, make_company, make_product):
    organiser = make_user(Role.ORGANISER)
    event = setup.create_event(organiser, name_ko="상생 엑스포", name_en="Co-prosperity Expo",
                               starts_on=date(2025, 10, 21), ends_on=date(2025, 10, 22))
    other_event = setup.create_event(organiser, name_ko="가을 박람회", name_en="Autumn Fair",
                                     starts_on=date(2025, 11, 5), ends_on=date(2025, 11, 5))
    kimchi_maker = make_company(name_ko="전라김치", name_en="Jeolla Kimchi")
    kimchi = make_product(kimchi_maker, name_ko="포기김치", name_en="Napa cabbage kimchi",
                          description_ko="전라도 배추로 담근 포기김치",
                          description_en="Whole kimchi")
    radish = make_product(kimchi_maker, name_ko="깍두기", name_en="Radish kimchi",
                          description_ko="아삭한 무김치")
    soap_maker = make_company(name_ko="제주비누", name_en="Jeju Soap")
    soap = make_product(soap_maker, name_ko="동백 비누", name_en="Camellia soap",
                        description_ko="동백오일 수제 비누", description_en="Handmade soap")
    users = {
        "organiser": organiser,
        "supplier": make_user(Role.SUPPLIER, company=kimchi_maker),
        "other_supplier": make_user(Role.SUPPLIER, company=soap_maker),
        "buyer": make_user(Role.BUYER),
        "other_buyer": make_user(Role.BUYER),
    }
    _db.session.commit()
    return {"event": event, "other_event": other_event, "company": kimchi_maker,
            "kimchi": kimchi, "radish": radish, "soap_maker": soap_maker, "soap": soap,
            "users": users}


@pytest.fixture
def make_listing(db, market):
    """A listing of the kimchi maker (or `company`), approved unless said otherwise."""

    def make(product=None, *, company=None, event=None, status="approved", price_krw=12_000,
             stock=10, category="food", booth="A-12", photos=()):
        company = company or market["company"]
        owner = market["users"]["supplier" if company is market["company"] else "other_supplier"]
        listing = services.create_listing(
            company, product or market["kimchi"], event or market["event"], owner,
            price_krw=price_krw, stock=stock, category=category, booth=booth, photos=photos)
        if status == "approved":
            services.approve_listing(listing, market["users"]["organiser"])
        elif status == "rejected":
            services.reject_listing(listing, market["users"]["organiser"], "Blurry photo")
        db.session.commit()
        return listing

    return make


@pytest.fixture
def make_session(db, market, make_listing):
    """A live session of the kimchi maker at the market's event, live now unless told
    otherwise, featuring an approved kimchi listing."""
    featured = []

    def make(listings=None, *, host=None, starts_at=None, ends_at=None,
             stream_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ", **fields):
        if listings is None:  # one kimchi listing, shared by the sessions of a test
            featured[:] = featured or [make_listing()]
            listings = featured
        now = utcnow()
        starts_at = starts_at or now - timedelta(minutes=10)
        fields = {"title_ko": "김치 라이브", "title_en": "Kimchi live", "description_ko": "",
                  "description_en": "", "host_name": "김호스트", **fields}
        session = live.create_session(
            market["event"], market["company"], market["users"]["organiser"],
            starts_at=starts_at, ends_at=ends_at or starts_at + timedelta(hours=1),
            host_user=host, stream_url=stream_url,
            listings=listings, **fields)
        db.session.commit()
        return session

    return make
