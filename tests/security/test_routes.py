"""Every route of the URL map against anonymous visitors and every role.

ENDPOINTS names each endpoint once, with a URL on the shared `world` (tests/test_authorisation.py)
and who may GET it; a route added without an entry fails test_every_route_is_listed. Pages of
other people's data answer 403 or 404, private pages send anonymous visitors to log in, and no
POST of an anonymous visitor changes a row (the role-by-role POST matrix is ROUTES in
tests/test_authorisation.py).
"""

import pytest

from tests.security.helpers import database_state
from tests.test_authorisation import ACTORS, world  # noqa: F401  (the fixture)

PUBLIC = "public"  # anyone, anonymous included
LOGGED_IN = "logged in"  # every role, for their own data; anonymous visitors log in first
# Pages of records the world has none of (live sessions; the event stream would never end):
# 404 for everyone, or, when private, the log-in for anonymous visitors and 403/404 for roles.
NO_SUCH_PUBLIC = "no such record, public"
NO_SUCH_PRIVATE = "no such record, private"
ROLES = [actor for actor in ACTORS if actor != "anonymous"]
OWN_SUPPLIER = {"own_supplier", "organiser"}
OWN_BUYER = {"own_buyer", "organiser"}
ORGANISER = {"organiser"}

# endpoint: (URL, who may GET it); None for POST-only endpoints.
ENDPOINTS = {
    "auth.account": ("/account", LOGGED_IN),
    "auth.login": ("/login", PUBLIC),
    "auth.logout": ("/logout", None),
    "auth.switch_language": ("/language/ko", None),
    "buyers.detail": ("/buyers/{buyer}", OWN_BUYER),
    "buyers.edit": ("/buyers/{buyer}/edit", OWN_BUYER),
    "buyers.export": ("/buyers/export.csv", ORGANISER),
    "buyers.import_buyers": ("/buyers/import", ORGANISER),
    "buyers.index": ("/buyers", ORGANISER),
    "buyers.profile": ("/profile", LOGGED_IN),
    "buyers.register": ("/register/buyer", PUBLIC),
    "catalogue.company_products": ("/companies/{company}/products", OWN_SUPPLIER),
    "catalogue.dashboard": ("/dashboard", LOGGED_IN),
    "catalogue.delete_product": ("/products/{product}/delete", None),
    "catalogue.edit_company": ("/companies/{company}/edit", OWN_SUPPLIER),
    "catalogue.edit_product": ("/products/{product}/edit", OWN_SUPPLIER),
    "catalogue.export_all": ("/catalogue/export.xlsx", ORGANISER),
    "catalogue.export_company": ("/companies/{company}/export.csv", OWN_SUPPLIER),
    "catalogue.import_any_catalogue": ("/catalogue/import", ORGANISER),
    "catalogue.import_company_catalogue": ("/companies/{company}/import", OWN_SUPPLIER),
    "catalogue.new_product": ("/companies/{company}/products/new", OWN_SUPPLIER),
    "catalogue.product": ("/products/{product}", PUBLIC),
    "catalogue.products": ("/products", PUBLIC),
    "catalogue.register_supplier": ("/register/supplier", PUBLIC),
    "catalogue.supplier": ("/suppliers/{company}", PUBLIC),
    "catalogue.suppliers": ("/suppliers", PUBLIC),
    "commerce.approve": ("/market/listings/{pending_listing}/approve", None),
    "commerce.cancel": ("/market/orders/{market_order}/cancel", None),
    "commerce.company_market": ("/companies/{company}/market", OWN_SUPPLIER),
    "commerce.delete_photo": ("/market/photos/{market_photo}/delete", None),
    "commerce.edit_listing": ("/market/listings/{pending_listing}/edit", OWN_SUPPLIER),
    "commerce.event_report": ("/market/events/{event}", ORGANISER),
    "commerce.fulfil": ("/market/orders/{market_order}/fulfil", None),
    "commerce.listing": ("/market/listings/{pending_listing}", OWN_SUPPLIER),
    "commerce.live_delete": ("/live/999999/delete", None),
    "commerce.live_edit": ("/live/999999/edit", NO_SUCH_PRIVATE),
    "commerce.live_events": ("/live/999999/events", NO_SUCH_PUBLIC),
    "commerce.live_hide": ("/live/999999/messages/1/hide", None),
    "commerce.live_meeting_request": ("/live/999999/messages/1/meeting-request",
                                      NO_SUCH_PRIVATE),
    "commerce.live_mute": ("/live/999999/users/1/mute", None),
    "commerce.live_new": ("/live/events/{event}/new", ORGANISER),
    "commerce.live_pin": ("/live/999999/messages/1/pin", None),
    "commerce.live_pin_listing": ("/live/999999/pin-listing", None),
    "commerce.live_post": ("/live/999999/messages", None),
    "commerce.live_report": ("/live/999999/report", NO_SUCH_PRIVATE),
    "commerce.live_session": ("/live/999999", NO_SUCH_PUBLIC),
    "commerce.live_sessions": ("/live", PUBLIC),
    "commerce.live_transcript": ("/live/999999/transcript.csv", NO_SUCH_PRIVATE),
    "commerce.market": ("/market", PUBLIC),
    "commerce.my_orders": ("/market/orders", LOGGED_IN),
    "commerce.new_listing": ("/companies/{company}/market/new", OWN_SUPPLIER),
    "commerce.order": ("/market/listings/{market_listing}/order", None),
    "commerce.photo": ("/market/photos/{market_photo}/thumb.jpg", OWN_SUPPLIER),
    "commerce.pickup": ("/companies/{company}/market/pickup", None),
    "commerce.reject": ("/market/listings/{pending_listing}/reject", None),
    "commerce.review": ("/market/review", ORGANISER),
    "expo.agenda": ("/events/{event}/agenda?registration={buyer_registration}", OWN_BUYER),
    "expo.agenda_ics": ("/events/{event}/agenda.ics?registration={buyer_registration}",
                        OWN_BUYER),
    "expo.answer": ("/events/{event}/requests/{pending}/answer", None),
    "expo.book_consultation": ("/events/{event}/consultations/{desk}/{slot2}", None),
    "expo.calendar_feed": ("/calendar/{calendar_token}.ics", PUBLIC),  # the token is the key
    "expo.cancel_consultation": ("/events/{event}/consultations/999999/cancel", None),
    "expo.checkin": ("/events/{event}/checkin", ORGANISER),
    "expo.consultation_desks": ("/events/{event}/consultations", LOGGED_IN),
    "expo.dashboard": ("/events/{event}/dashboard", ORGANISER),
    "expo.dashboard_export": ("/events/{event}/dashboard.xlsx", ORGANISER),
    "expo.deals": ("/events/{event}/deals", LOGGED_IN),
    "expo.event": ("/events/{event}", PUBLIC),
    "expo.event_requests": ("/events/{event}/requests", LOGGED_IN),
    "expo.event_setup": ("/events/{event}/setup", ORGANISER),
    "expo.events": ("/events", PUBLIC),
    "expo.move": ("/events/{event}/meetings/{meeting}/move", ORGANISER),
    "expo.new_event": ("/events/new", ORGANISER),
    "expo.new_request": ("/events/{event}/request/{buyer}/{other_company}", OWN_BUYER),
    "expo.no_show": ("/events/{event}/meetings/{meeting}/no-show", None),
    "expo.notifications": ("/notifications", LOGGED_IN),
    "expo.notifications_read": ("/notifications/read", None),
    "expo.outcome": ("/events/{event}/meetings/{meeting}/outcome",
                     {"own_supplier", "own_buyer", "organiser"}),
    "expo.propose": ("/events/{event}/proposals", None),
    "expo.publish_schedule": ("/events/{event}/schedule/publish", None),
    "expo.register": ("/events/{event}/register", LOGGED_IN),
    "expo.schedule": ("/events/{event}/schedule", ORGANISER),
    "expo.take_slot": ("/events/{event}/requests/{accepted}/take/{slot2}", None),
    "jobs.detail": ("/jobs/{job}", ORGANISER),
    "main.health": ("/healthz", PUBLIC),
    "main.index": ("/", PUBLIC),
    "matching.buyer_preference": ("/buyers/{buyer}/matches/{company}", None),
    "matching.company_preference": ("/companies/{company}/matches/{buyer}", None),
    "matching.for_buyer": ("/buyers/{buyer}/matches", OWN_BUYER),
    "matching.for_company": ("/companies/{company}/matches", OWN_SUPPLIER),
    "matching.mine": ("/matches", LOGGED_IN),
    "matching.publish": ("/prematching/{run}/publish", None),
    "matching.reindex": ("/prematching/reindex", None),
    "matching.remove_result": ("/prematching/results/{result}/remove", None),
    "matching.run": ("/prematching/{run}", ORGANISER),
    "matching.runs": ("/prematching", ORGANISER),
    "static": ("/static/style.css", PUBLIC),
}
# POSTs that need no log-in: logging in, registering, the language switch.
PUBLIC_POSTS = {"auth.login", "buyers.register", "catalogue.register_supplier",
                "auth.switch_language"}
GET_ENDPOINTS = sorted(name for name, (_url, who) in ENDPOINTS.items() if who is not None)


def url_for_world(app, world, endpoint: str) -> str:  # noqa: F811
    from app.expo.models import Registration
    from app.extensions import db

    registration = db.session.get(Registration, world["buyer_registration"])
    return ENDPOINTS[endpoint][0].format(calendar_token=registration.calendar_token, **world)


def test_every_route_is_listed(app):
    """A new endpoint fails here until ENDPOINTS says who may use it."""
    missing = sorted(rule.endpoint for rule in app.url_map.iter_rules()
                     if rule.endpoint not in ENDPOINTS)
    assert not missing, f"add these endpoints to ENDPOINTS: {missing}"
    for rule in app.url_map.iter_rules():
        url, who = ENDPOINTS[rule.endpoint]
        assert (who is not None) == ("GET" in rule.methods), rule.endpoint
        assert app.url_map.bind("localhost").match(url.split("?")[0].format_map(
            _AnyIds()), method="GET" if who else "POST")[0] == rule.endpoint, url


class _AnyIds(dict):
    def __missing__(self, key: str) -> str:
        return "1" if key != "calendar_token" else "abc"


@pytest.mark.parametrize("endpoint", GET_ENDPOINTS)
def test_get_against_every_role(app, client, world, endpoint):  # noqa: F811
    url, who = ENDPOINTS[endpoint]
    url = url_for_world(app, world, endpoint)
    outcomes = {}
    for actor in ACTORS:
        visitor = app.test_client()
        if actor != "anonymous":
            from tests.conftest import PASSWORD

            response = visitor.post("/login", data={"email": world["users"][actor].email,
                                                    "password": PASSWORD})
            assert response.status_code == 302
        outcomes[actor] = visitor.get(url)
    for actor, response in outcomes.items():
        status = response.status_code
        if who == NO_SUCH_PUBLIC or (who == NO_SUCH_PRIVATE and actor != "anonymous"):
            assert status in (403, 404), (actor, status)
        elif who == PUBLIC:
            assert status in (200, 302, 303), (actor, status)
            if status != 200:
                assert "/login" not in response.headers["Location"], actor
        elif actor == "anonymous":
            assert status == 302, status
            assert "/login" in response.headers["Location"]
        elif who == LOGGED_IN or actor in who:
            assert status in (200, 302, 303), (actor, status, response.text[:500])
        else:
            assert status in (403, 404), (actor, status)


def test_unknown_ids_and_tokens_are_404_for_everyone(app, client, world):  # noqa: F811
    """No page tells "exists but not yours" from "does not exist" by crashing."""
    for actor in ("anonymous", "organiser"):
        visitor = app.test_client()
        if actor != "anonymous":
            from tests.conftest import PASSWORD

            visitor.post("/login", data={"email": world["users"][actor].email,
                                         "password": PASSWORD})
        assert visitor.get("/calendar/not-a-token.ics").status_code == 404
        assert visitor.get("/suppliers/999999").status_code == 404
        assert visitor.get("/products/999999").status_code == 404
        assert visitor.get("/events/999999").status_code == 404


def test_anonymous_posts_change_nothing(app, client, world, db):  # noqa: F811
    before = database_state(db.session)
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint in PUBLIC_POSTS:
            continue
        url = url_for_world(app, world, rule.endpoint)
        response = app.test_client().post(url, data={"quantity": "1", "code": "X"})
        assert response.status_code == 302, (rule.endpoint, response.status_code)
        assert "/login" in response.headers["Location"], rule.endpoint
    assert database_state(db.session) == before
