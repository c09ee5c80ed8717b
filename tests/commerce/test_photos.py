"""Photos: decoded to check them, resized, re-encoded without EXIF, served only to who may see."""

import io
import re

import pytest
from PIL import Image

from app.commerce.market import images, services
from app.extensions import db
from tests.commerce.conftest import image_bytes

MB = 1024 * 1024


def test_png_is_accepted_resized_and_reencoded_as_jpeg():
    photo = images.prepare(io.BytesIO(image_bytes((1600, 900))), "noodles.png", 5 * MB)
    full, thumb = Image.open(io.BytesIO(photo.full)), Image.open(io.BytesIO(photo.thumb))
    assert (full.format, full.size) == ("JPEG", (1200, 675))
    assert (thumb.format, thumb.size) == ("JPEG", (400, 225))
    assert (photo.width, photo.height) == (1200, 675)


def test_small_and_transparent_images_are_not_enlarged():
    photo = images.prepare(io.BytesIO(image_bytes((300, 200), "WEBP", mode="RGBA")), "a.webp",
                           5 * MB)
    full = Image.open(io.BytesIO(photo.full))
    assert (full.size, full.mode) == ((300, 200), "RGB")


def test_exif_is_stripped():
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x8825] = {1: "N"}  # GPS
    data = image_bytes((800, 600), "JPEG", exif=exif.tobytes())
    assert Image.open(io.BytesIO(data)).getexif()
    photo = images.prepare(io.BytesIO(data), "gps.jpg", 5 * MB)
    for stored in (photo.full, photo.thumb):
        assert not Image.open(io.BytesIO(stored)).getexif()
        assert b"SecretCam" not in stored


@pytest.mark.parametrize(("data", "name"), [
    (b"this is not a photo at all\n" * 10, "photo.jpg"),  # a text file renamed .jpg
    (image_bytes((50, 50), "GIF", mode="P"), "anim.jpg"),  # a real image of another type
    (image_bytes((50, 50))[:60], "cut.png"),  # a truncated PNG
])
def test_files_that_are_not_jpeg_png_or_webp_are_refused(data, name):
    with pytest.raises(images.PhotoNotAnImage, match="is not a JPEG, PNG or WebP image"):
        images.prepare(io.BytesIO(data), name, 5 * MB)


def test_oversized_files_are_refused_before_decoding():
    data = image_bytes((64, 64)) + b"\0" * (5 * MB)
    with pytest.raises(images.PhotoTooLarge, match="larger than 5 MB"):
        images.prepare(io.BytesIO(data), "big.png", 5 * MB)


def test_huge_pixel_counts_are_refused(monkeypatch):
    monkeypatch.setattr(images, "MAX_PIXELS", 100 * 100)
    with pytest.raises(images.PhotoTooManyPixels):
        images.prepare(io.BytesIO(image_bytes((200, 200))), "bomb.png", 5 * MB)


def upload(client, url, files, **fields):
    data = {"price_krw": "12000", "stock": "5", "category": "food", "booth": "A-12", **fields,
            "photo_files": [(io.BytesIO(content), name) for content, name in files]}
    return client.post(url, data=data, content_type="multipart/form-data",
                       headers={"Accept-Language": "ko"})


def test_upload_through_the_form(client, login, market, uploads):
    login(market["users"]["supplier"])
    url = f"/companies/{market['company'].id}/market/new"
    fields = {"product": str(market["kimchi"].id), "event": str(market["event"].id)}
    response = upload(client, url, [(b"hello, not an image", "photo.jpg")], **fields)
    assert response.status_code == 200
    assert "photo.jpg은(는) JPEG, PNG, WebP 이미지가 아닙니다." in response.text
    assert not uploads.exists() or not any(uploads.iterdir())
    response = upload(client, url, [(image_bytes((2000, 1000)), "kimchi.png")], **fields)
    assert response.status_code == 302
    listing = services.listings_of(market["company"])[0]
    assert listing.status == "pending"
    photo = listing.photos[0]
    assert (photo.width, photo.height) == (1200, 600)
    assert sorted(p.name for p in uploads.iterdir()) == [f"{photo.name}-thumb.jpg",
                                                         f"{photo.name}.jpg"]
    served = client.get(f"/market/photos/{photo.id}/thumb.jpg")
    assert served.status_code == 200
    assert served.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(served.data)).size == (400, 200)
    assert "no-store" in served.headers["Cache-Control"]


def test_oversized_upload_gets_a_translated_message(client, login, market, make_listing):
    listing = make_listing()
    login(market["users"]["supplier"])
    big = image_bytes((64, 64)) + b"\0" * (5 * MB)
    response = upload(client, f"/market/listings/{listing.id}/edit", [(big, "big.png")])
    assert response.status_code == 200  # not 413: photo forms allow 5 photos of 5 MB
    assert "big.png 파일이 5 MB보다 큽니다." in response.text
    db.session.refresh(listing)
    assert (listing.status, listing.photos) == ("approved", [])


def test_at_most_five_photos(client, login, market, make_listing):
    listing = make_listing(photos=[images.prepare(io.BytesIO(image_bytes()), "a.png", 5 * MB)
                                   for _n in range(4)])
    login(market["users"]["supplier"])
    files = [(image_bytes((100, 100)), f"{n}.png") for n in range(2)]
    response = upload(client, f"/market/listings/{listing.id}/edit", files)
    assert response.status_code == 200
    assert "사진은 5장까지" in response.text
    db.session.refresh(listing)
    assert len(listing.photos) == 4


def test_photos_are_served_to_whom_may_see_the_listing(client, login, market, make_listing):
    photo = images.prepare(io.BytesIO(image_bytes()), "a.png", 5 * MB)
    pending = make_listing(status="pending", photos=[photo])
    url = f"/market/photos/{pending.photos[0].id}/full.jpg"
    assert client.get(url).status_code == 302  # log in first
    login(market["users"]["buyer"])
    assert client.get(url).status_code == 403
    client.post("/logout")
    login(market["users"]["organiser"])
    assert client.get(url).status_code == 200
    client.post(f"/market/listings/{pending.id}/approve")
    client.post("/logout")
    response = client.get(url)
    assert response.status_code == 200
    assert "public" in response.headers["Cache-Control"]


def test_removing_a_photo_deletes_its_files(client, login, market, make_listing, uploads):
    listing = make_listing(photos=[images.prepare(io.BytesIO(image_bytes()), "a.png", 5 * MB)])
    photo = listing.photos[0]
    login(market["users"]["other_supplier"])
    assert client.post(f"/market/photos/{photo.id}/delete").status_code == 403
    client.post("/logout")
    login(market["users"]["supplier"])
    assert client.post(f"/market/photos/{photo.id}/delete").status_code == 302
    assert list(uploads.iterdir()) == []
    db.session.refresh(listing)
    assert (listing.photos, listing.status) == ([], "pending")


def test_photo_forms_check_csrf_and_take_more_than_the_app_limit(app, client, login, market,
                                                                 make_listing):
    """The photo forms skip CSRFProtect (it would read the body with the app's 5 MB limit)
    and check the token in the form instead."""
    listing = make_listing()
    login(market["users"]["supplier"])
    url = f"/market/listings/{listing.id}/edit"
    noise = Image.effect_noise((1400, 1400), 100).convert("RGB")
    big = io.BytesIO()
    noise.save(big, "PNG")
    files = [(big.getvalue(), "noise.png"), (big.getvalue(), "noise2.png")]
    assert len(files[0][0]) < 5 * MB < sum(len(content) for content, _name in files)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = upload(client, url, files, price_krw="9000")
        assert response.status_code == 200  # re-shown: no token
        db.session.refresh(listing)
        assert (listing.price_krw, listing.photos) == (12_000, [])
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                          client.get(url).text).group(1)
        response = upload(client, url, files, price_krw="9000", csrf_token=token)
        assert response.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    db.session.refresh(listing)
    assert (listing.price_krw, len(listing.photos), listing.status) == (9000, 2, "pending")
