"""Market photos fuzzed with Hypothesis: random bytes, damaged JPEG/PNG/WebP, images with odd
modes and sizes, through images.prepare and through the supplier's listing form.

The property: never a server error; a refused upload leaves no row and no file behind, an
accepted one stores every photo (two files each).
"""

import io
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image
from sqlalchemy import func, select

from app.auth.models import Role
from app.commerce.market import images
from app.commerce.market.models import MarketListing, MarketPhoto
from tests.security.test_upload_fuzz import FUZZ, RUNS, garble

MB = 1024 * 1024


def _image(size, mode, image_format) -> bytes:
    """An image in this mode if the format can hold it, else in RGB."""
    image = Image.new(mode, size)
    try:
        out = io.BytesIO()
        image.save(out, image_format)
    except (OSError, KeyError, ValueError):
        out = io.BytesIO()
        image.convert("RGB").save(out, image_format)
    return out.getvalue()


IMAGES = st.builds(_image, st.tuples(st.integers(1, 300), st.integers(1, 300)),
                   st.sampled_from(["RGB", "RGBA", "L", "P", "LA", "1", "CMYK", "I;16"]),
                   st.sampled_from(["PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF"]))
PHOTOS = st.one_of(
    st.binary(max_size=4096),
    IMAGES,
    st.builds(garble, IMAGES, st.integers(0), st.binary(max_size=16)),
    st.builds(lambda data, cut: data[:cut % (len(data) + 1)], IMAGES, st.integers(0)),
)
NAMES = st.sampled_from(["photo.jpg", "photo.png", "x.webp", "", "../../etc/passwd", "사진.JPG",
                         "a" * 300])


@FUZZ
@given(data=PHOTOS, name=NAMES)
def test_prepare_refuses_or_makes_two_jpegs(data, name):
    try:
        photo = images.prepare(io.BytesIO(data), name, MB)
    except images.PhotoRejected as error:
        message = error.text()
        outcome = "refused"
        assert message
    else:
        for jpeg in (photo.full, photo.thumb):
            assert Image.open(io.BytesIO(jpeg)).format == "JPEG"
        outcome = "accepted"
    RUNS[f"photo service: {outcome}"] = RUNS.get(f"photo service: {outcome}", 0) + 1


@pytest.fixture
def market_supplier(db, make_user, make_company, tmp_path, app, monkeypatch):
    from app.expo import events as setup

    monkeypatch.setitem(app.config, "MARKET_UPLOAD_DIR", str(tmp_path / "uploads"))
    organiser = make_user(Role.ORGANISER)
    event = setup.create_event(organiser, name_ko="상생 엑스포", name_en="Expo",
                               starts_on=date(2025, 10, 21), ends_on=date(2025, 10, 21))
    company = make_company()
    db.session.commit()
    return {"company": company, "event": event, "uploads": tmp_path / "uploads",
            "user": make_user(Role.SUPPLIER, company=company)}


@FUZZ
@given(photos=st.lists(st.tuples(PHOTOS, NAMES), min_size=1, max_size=3))
def test_listing_photos_through_the_web(db, client, login, make_product, market_supplier,
                                        photos):
    company, uploads = market_supplier["company"], market_supplier["uploads"]
    login(market_supplier["user"])
    product = make_product(company)
    counts = (db.session.scalar(select(func.count(MarketListing.id))),
              db.session.scalar(select(func.count(MarketPhoto.id))))
    files_before = len(list(uploads.glob("*"))) if uploads.exists() else 0
    response = client.post(
        f"/companies/{company.id}/market/new",
        data={"product": str(product.id), "event": str(market_supplier["event"].id),
              "price_krw": "9000", "stock": "3", "category": "food",
              "photo_files": [(io.BytesIO(data), name) for data, name in photos]},
        content_type="multipart/form-data")
    assert response.status_code < 500
    files_after = len(list(uploads.glob("*"))) if uploads.exists() else 0
    listings = db.session.scalar(select(func.count(MarketListing.id)))
    stored = db.session.scalar(select(func.count(MarketPhoto.id)))
    named = len([name for _data, name in photos if name])  # nameless parts are no upload
    if response.status_code == 302:
        assert (listings, stored) == (counts[0] + 1, counts[1] + named)
        assert files_after == files_before + 2 * named
        outcome = "accepted"
    else:
        assert response.status_code in (200, 400, 413, 422)
        assert (listings, stored) == counts
        assert files_after == files_before
        outcome = "refused"
    RUNS[f"photo web: {outcome}"] = RUNS.get(f"photo web: {outcome}", 0) + 1
