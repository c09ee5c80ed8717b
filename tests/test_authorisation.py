"""Every mutating (and every private) route against every role: owners and organisers may,
other roles get 403, anonymous visitors are sent to log in."""

import pytest

from app.auth.models import Role
from app.catalogue.transfer import COLUMNS
from tests.conftest import csv_bytes

# Who is asking: anonymous, the owner of the data, another of the same role, or the organiser.
ACTORS = ["anonymous", "own_supplier", "other_supplier", "own_buyer", "other_buyer", "organiser"]


def product_form(ref="NEW-1"):
    return {"product_ref": ref, "name_ko": "새 제품", "description_ko": "설명입니다.",
            "hs_code": "190219", "unit_price_usd": "2.50", "certifications": "HACCP"}


def company_form():
    return {"name_ko": "강원쌀면(주)", "name_en": "Gangwon Rice", "export_countries": "JP; US"}


def buyer_form():
    return {"company_name": "Kiwi Pantry", "country": "NZ", "language": "en",
            "interests": "Rice noodles", "required_certifications": "", "hs_codes": "19"}


def listing_form(**choice):
    return {"price_krw": "9500", "stock": "3", "category": "food", "booth": "A-1",
            **{name: str(value) for name, value in choice.items()}}


def live_form(world, **choice):
    return {"title_ko": "라이브", "title_en": "Live", "starts_at": "2025-10-21T15:00",
            "ends_at": "2025-10-21T16:00", "listings": str(world["market_listing"]),
            **{name: str(value) for name, value in choice.items()}}


def catalogue_upload(ref):
    row = [ref, "강원쌀면(주)", "", "", "UP-1", "쌀국수", "", "설명", "", "", "", "", "", ""]
    return {"file": (csv_bytes(COLUMNS, [row]), "catalogue.csv")}


def buyers_upload():
    return {"file": (csv_bytes(["buyer_ref", "company_name", "country", "language", "interests"],
                               [["UPB-1", "Oslo Foods", "NO", "en", "Kimchi"]]), "buyers.csv")}


# (method, url template, form builder, who may) -- {company}, {product}, {buyer} are the
# owned records; allowed actors succeed (2xx or 3xx), the others are refused.
ROUTES = [
    ("POST", "/companies/{company}/edit", lambda w: company_form(), {"own_supplier", "organiser"}),
    ("POST", "/companies/{company}/products/new", lambda w: product_form(),
     {"own_supplier", "organiser"}),
    ("POST", "/products/{product}/edit", lambda w: product_form("P-OWN"),
     {"own_supplier", "organiser"}),
    ("POST", "/products/{product}/delete", lambda w: {}, {"own_supplier", "organiser"}),
    ("POST", "/companies/{company}/import", lambda w: catalogue_upload(w["company_ref"]),
     {"own_supplier", "organiser"}),
    ("POST", "/catalogue/import", lambda w: catalogue_upload("ANY-1"), {"organiser"}),
    ("POST", "/buyers/{buyer}/edit", lambda w: buyer_form(), {"own_buyer", "organiser"}),
    ("POST", "/buyers/import", lambda w: buyers_upload(), {"organiser"}),
    ("GET", "/companies/{company}/products", None, {"own_supplier", "organiser"}),
    ("GET", "/companies/{company}/edit", None, {"own_supplier", "organiser"}),
    ("GET", "/companies/{company}/export.csv", None, {"own_supplier", "organiser"}),
    ("GET", "/catalogue/export.xlsx", None, {"organiser"}),
    ("GET", "/buyers", None, {"organiser"}),
    ("GET", "/buyers/{buyer}", None, {"own_buyer", "organiser"}),
    ("GET", "/buyers/export.csv", None, {"organiser"}),
    ("POST", "/buyers/{buyer}/matches/{company}", lambda w: {"choice": "must_meet"},
     {"own_buyer", "organiser"}),
    ("POST", "/companies/{company}/matches/{buyer}", lambda w: {"choice": "meet"},
     {"own_supplier", "organiser"}),
    ("POST", "/prematching", lambda w: {"top": "3"}, {"organiser"}),
    ("POST", "/prematching/{run}/publish", lambda w: {}, {"organiser"}),
    ("POST", "/prematching/reindex", lambda w: {}, {"organiser"}),
    ("GET", "/jobs/{job}", None, {"organiser"}),
    ("POST", "/prematching/results/{result}/remove", lambda w: {}, {"organiser"}),
    ("GET", "/buyers/{buyer}/matches", None, {"own_buyer", "organiser"}),
    ("GET", "/companies/{company}/matches", None, {"own_supplier", "organiser"}),
    ("GET", "/prematching", None, {"organiser"}),
    ("GET", "/prematching/{run}", None, {"organiser"}),
    # Expo: organisers run the event, each side answers and records its own meetings.
    ("POST", "/events/new", lambda w: {"name_ko": "행사", "name_en": "Show",
                                       "starts_on": "2025-10-21", "ends_on": "2025-10-21",
                                       "booking_mode": "organiser", "max_requests": "5",
                                       "request_expiry_hours": "24"}, {"organiser"}),
    ("POST", "/events/{event}/setup", lambda w: {"t-count": "2", "t-submit": "1"},
     {"organiser"}),
    ("POST", "/events/{event}/register", lambda w: {"public": "y"},
     {"own_supplier", "other_supplier", "own_buyer", "other_buyer"}),
    ("POST", "/events/{event}/request/{buyer}/{other_company}", lambda w: {"message": "Hi"},
     {"own_buyer", "organiser"}),
    ("POST", "/events/{event}/requests/{pending}/answer", lambda w: {"accept": "1"},
     {"own_supplier", "organiser"}),
    ("POST", "/events/{event}/proposals", lambda w: {"run_id": str(w["run"])}, {"organiser"}),
    ("POST", "/events/{event}/schedule", lambda w: {"time_limit": "5"}, {"organiser"}),
    ("POST", "/events/{event}/schedule/publish", lambda w: {}, {"organiser"}),
    ("POST", "/events/{event}/meetings/{meeting}/move",
     lambda w: {"slot": str(w["slot2"]), "table": str(w["table"]), "interpreter": "0"},
     {"organiser"}),
    ("POST", "/events/{event}/meetings/{meeting}/no-show", lambda w: {}, {"organiser"}),
    ("POST", "/events/{event}/meetings/{meeting}/outcome",
     lambda w: {"held": "yes", "satisfaction": "4", "stage": "", "currency": "USD"},
     {"own_supplier", "own_buyer", "organiser"}),
    ("POST", "/events/{event}/requests/{accepted}/take/{slot2}", lambda w: {},
     {"own_buyer", "organiser"}),
    ("POST", "/events/{event}/checkin", lambda w: {"code": w["code"]}, {"organiser"}),
    ("POST", "/events/{event}/consultations/{desk}/{slot2}", lambda w: {"question": "Q"},
     {"own_supplier", "other_supplier"}),
    ("POST", "/notifications/read", lambda w: {},
     {"own_supplier", "other_supplier", "own_buyer", "other_buyer", "organiser"}),
    ("GET", "/events/{event}/dashboard", None, {"organiser"}),
    ("GET", "/events/{event}/dashboard.xlsx", None, {"organiser"}),
    ("GET", "/events/{event}/schedule", None, {"organiser"}),
    ("GET", "/events/{event}/setup", None, {"organiser"}),
    ("GET", "/events/{event}/checkin", None, {"organiser"}),
    ("GET", "/events/{event}/meetings/{meeting}/outcome", None,
     {"own_supplier", "own_buyer", "organiser"}),
    ("GET", "/events/{event}/agenda?registration={buyer_registration}", None,
     {"own_buyer", "organiser"}),
    # Market: suppliers list their products, organisers review, anyone logged in orders.
    ("POST", "/companies/{company}/market/new", lambda w: listing_form(product=w["new_product"],
                                                                       event=w["event"]),
     {"own_supplier", "organiser"}),
    ("POST", "/market/listings/{pending_listing}/edit", lambda w: listing_form(),
     {"own_supplier", "organiser"}),
    ("POST", "/market/listings/{pending_listing}/approve", lambda w: {}, {"organiser"}),
    ("POST", "/market/listings/{pending_listing}/reject", lambda w: {"reason": "Blurry"},
     {"organiser"}),
    ("POST", "/market/photos/{market_photo}/delete", lambda w: {}, {"own_supplier", "organiser"}),
    ("POST", "/market/listings/{market_listing}/order", lambda w: {"quantity": "1"},
     {"own_supplier", "other_supplier", "own_buyer", "other_buyer", "organiser"}),
    ("POST", "/market/orders/{market_order}/fulfil", lambda w: {}, {"own_supplier", "organiser"}),
    ("POST", "/market/orders/{market_order}/cancel", lambda w: {},
     {"own_buyer", "own_supplier", "organiser"}),
    ("POST", "/companies/{company}/market/pickup", lambda w: {"code": w["pickup_code"]},
     {"own_supplier", "organiser"}),
    ("GET", "/companies/{company}/market", None, {"own_supplier", "organiser"}),
    ("GET", "/companies/{company}/market/new", None, {"own_supplier", "organiser"}),
    ("GET", "/market/listings/{pending_listing}/edit", None, {"own_supplier", "organiser"}),
    ("GET", "/market/listings/{pending_listing}", None, {"own_supplier", "organiser"}),
    ("GET", "/market/photos/{market_photo}/thumb.jpg", None, {"own_supplier", "organiser"}),
    ("GET", "/market/review", None, {"organiser"}),
    ("GET", "/market/events/{event}", None, {"organiser"}),
    ("GET", "/market/orders", None,
     {"own_supplier", "other_supplier", "own_buyer", "other_buyer", "organiser"}),
    # Live commerce: organisers schedule sessions, the session's supplier and organisers
    # moderate, anyone logged in asks, a buyer turns their own question into a request.
    ("POST", "/live/events/{event}/new", lambda w: live_form(w, company=w["company"]),
     {"organiser"}),
    ("POST", "/live/{live_session}/edit", lambda w: live_form(w), {"organiser"}),
    ("POST", "/live/{live_session}/delete", lambda w: {}, {"organiser"}),
    ("POST", "/live/{live_session}/messages", lambda w: {"body": "Price for ten jars?"},
     {"own_supplier", "other_supplier", "own_buyer", "other_buyer", "organiser"}),
    ("POST", "/live/{live_session}/messages/{live_question}/hide", lambda w: {"on": "1"},
     {"own_supplier", "organiser"}),
    ("POST", "/live/{live_session}/messages/{live_question}/pin", lambda w: {"on": "1"},
     {"own_supplier", "organiser"}),
    ("POST", "/live/{live_session}/users/{live_asker}/mute", lambda w: {"on": "1"},
     {"own_supplier", "organiser"}),
    ("POST", "/live/{live_session}/pin-listing",
     lambda w: {"listing": str(w["market_listing"])}, {"own_supplier", "organiser"}),
    ("POST", "/live/{live_session}/messages/{live_question}/meeting-request",
     lambda w: {"message": "Let us meet"}, {"own_buyer", "organiser"}),
    ("GET", "/live/{live_session}/messages/{live_question}/meeting-request", None,
     {"own_buyer", "organiser"}),
    ("GET", "/live/{live_session}/report", None, {"own_supplier", "organiser"}),
    ("GET", "/live/{live_session}/transcript.xlsx", None, {"own_supplier", "organiser"}),
    ("GET", "/live/{live_session}/edit", None, {"organiser"}),
    ("GET", "/live/events/{event}/new", None, {"organiser"}),
]
# Routes any logged-in user may post to for their own account only.
SELF_SERVICE = {"/logout", "/account", "/login", "/register/supplier", "/register/buyer",
                "/language/<any(en, ko):code>"}
PUBLIC = {"/", "/suppliers", "/products", "/events", "/healthz"}


@pytest.fixture
def world(db, matching, make_company, make_product, make_buyer, make_user, app, monkeypatch,
          tmp_path):
    from app.matching.models import MatchResult, MatchRun

    company = make_company()
    product = make_product(company, product_ref="P-OWN")
    buyer = make_buyer()
    from app.jobs.models import Job

    job = Job(kind="reindex", status="done")
    db.session.add(job)
    run = MatchRun(model="usem3", data_version="x", top_n=1, status="draft")
    run.results.append(MatchResult(buyer_id=buyer.id, company_id=company.id, rank=1, score=1))
    db.session.add(run)
    db.session.commit()
    users = {
        "own_supplier": make_user(Role.SUPPLIER, company=company),
        "other_supplier": make_user(Role.SUPPLIER),
        "own_buyer": make_user(Role.BUYER, buyer=buyer),
        "other_buyer": make_user(Role.BUYER),
        "organiser": make_user(Role.ORGANISER),
    }
    expo = _expo_world(db, company, buyer, users)
    monkeypatch.setitem(app.config, "MARKET_UPLOAD_DIR", str(tmp_path / "uploads"))
    market = _market_world(db, company, product, expo["event"], users, make_product)
    live = _live_world(db, market["market_listing"], users)
    return {"company": company.id, "product": product.id, "buyer": buyer.id, "run": run.id,
            "job": job.id, "result": run.results[0].id, **expo, **market, **live,
            "company_ref": company.supplier_ref, "users": users}


def _expo_world(db, company, buyer, users) -> dict:
    """An event where the own supplier and own buyer are registered, with one pending and one
    accepted-and-scheduled request between them."""
    from datetime import date, time

    from app.catalogue.models import Company
    from app.expo import events as setup
    from app.expo import meeting_requests as requests
    from app.expo import participation, placement

    organiser = users["organiser"]
    event = setup.create_event(organiser, name_ko="행사", name_en="Show",
                               starts_on=date(2025, 10, 21), ends_on=date(2025, 10, 21))
    setup.add_session(event, organiser, date(2025, 10, 21), time(10), time(11))
    setup.add_tables(event, organiser, 2)
    setup.add_interpreter(event, organiser, "통역사", ["ko", "en"])
    desk = setup.add_desk(event, organiser, "export", "KOTRA")
    from app.buyers.models import Buyer

    other_company = Company(supplier_ref="OTHER", name_ko="다른기업")
    second_buyer = Buyer(buyer_ref="SECOND", company_name="Second Buyer", country="JP",
                         language="en", interests="x")
    db.session.add_all([other_company, second_buyer])
    db.session.flush()
    for each in (company, other_company):
        participation.register(event, organiser, company=each)
    registration = participation.register(event, organiser, buyer=buyer)
    participation.register(event, organiser, buyer=second_buyer)
    pending = requests.request_meeting(event, second_buyer, company, organiser)
    pending.requested_by = "buyer"  # the own supplier answers it
    accepted = requests.request_meeting(event, buyer, company, organiser)
    requests.respond(accepted, organiser, accept=True)
    meeting = placement.book(accepted, event.slots[0], organiser)
    third = requests.request_meeting(event, buyer, other_company, organiser)
    requests.respond(third, organiser, accept=True)
    db.session.commit()
    return {"event": event.id, "pending": pending.id, "accepted": third.id,
            "meeting": meeting.id, "slot2": event.slots[1].id, "table": event.tables[1].id,
            "other_company": other_company.id, "code": registration.check_in_code,
            "buyer_registration": registration.id, "desk": desk.id}


def _market_world(db, company, product, event_id, users, make_product) -> dict:
    """The own supplier's product waiting for review (with a photo), another on sale with an
    order of the own buyer, and a third not listed yet."""
    import io

    from PIL import Image

    from app.commerce.market import images, orders, services
    from app.expo.models import Event

    event = db.session.get(Event, event_id)
    supplier, organiser = users["own_supplier"], users["organiser"]
    png = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 60)).save(png, "PNG")
    png.seek(0)
    pending = services.create_listing(company, product, event, supplier, price_krw=9000,
                                      stock=5, category="food",
                                      photos=[images.prepare(png, "photo.png", 1_000_000)])
    on_sale = services.create_listing(company, make_product(company, product_ref="P-SALE"),
                                      event, supplier, price_krw=5000, stock=10,
                                      category="food")
    services.approve_listing(on_sale, organiser)
    order = orders.place_order(on_sale, users["own_buyer"], 2)
    new_product = make_product(company, product_ref="P-NEW")
    db.session.commit()
    return {"pending_listing": pending.id, "market_photo": pending.photos[0].id,
            "market_listing": on_sale.id, "market_order": order.id,
            "pickup_code": order.pickup_code, "new_product": new_product.id}


def _live_world(db, listing_id, users) -> dict:
    """A live session of the own supplier featuring its listing on sale, with a question of
    the own buyer."""
    from datetime import timedelta

    from app.commerce.live import services as live
    from app.commerce.market.models import MarketListing
    from app.core.db import utcnow

    listing = db.session.get(MarketListing, listing_id)
    session = live.create_session(
        listing.event, listing.company, users["organiser"], title_ko="라이브", title_en="Live",
        description_ko="", description_en="", starts_at=utcnow(),
        ends_at=utcnow() + timedelta(hours=1), host_user=None, host_name="", stream_url="",
        listings=[listing])
    question = live.post_message(session, users["own_buyer"], "Price?")
    db.session.commit()
    return {"live_session": session.id, "live_question": question.id,
            "live_asker": users["own_buyer"].id}


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(("method", "template", "form", "allowed"), ROUTES,
                         ids=[f"{m} {t}" for m, t, _f, _a in ROUTES])
def test_route_against_role(client, login, world, actor, method, template, form, allowed):
    if actor != "anonymous":
        login(world["users"][actor])
    url = template.format(**world)
    if method == "POST":
        response = client.post(url, data=form(world), content_type="multipart/form-data")
    else:
        response = client.get(url)
    if actor == "anonymous":
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    elif actor in allowed:  # done, or refused by a domain rule (a flashed 303), never 403
        assert response.status_code in (200, 302, 303), response.text[:2000]
    else:
        assert response.status_code == 403


def test_every_route_that_changes_data_is_covered(app):
    """A new POST route must be added to ROUTES (or be an account self-service route)."""
    covered = {template.split("{")[0] for _m, template, _f, _a in ROUTES}
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.rule in SELF_SERVICE:
            continue
        prefix = rule.rule.split("<")[0]
        assert prefix in covered, f"{rule.rule} has no authorisation test"


def test_csrf_is_enforced(app, client, world, login):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/login", data={"email": "x@example.com", "password": "y"})
        assert response.status_code == 400
        response = client.post("/language/ko")
        assert response.status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
