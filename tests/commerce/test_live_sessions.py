"""Scheduling live sessions (organisers only), the stream embed and its CSP, and every live
page in Korean and English."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.commerce.live import services as live
from app.commerce.live.models import LiveSession
from app.core.db import utcnow
from app.core.errors import Forbidden
from app.expo.participation import registration_of
from tests.test_i18n import leftovers


def session_form(**changes):
    return {"company": "", "title_ko": "김치 담그기 라이브", "title_en": "Kimchi making live",
            "starts_at": "2025-10-21T15:00", "ends_at": "2025-10-21T16:00",
            "host_email": "", "host_name": "김 셰프", "stream_url": "https://youtu.be/dQw4w9WgXcQ",
            "description_ko": "", "description_en": "", **changes}


def test_organiser_schedules_a_session(client, login, market, make_listing, db):
    kimchi, radish = make_listing(), make_listing(market["radish"])
    make_listing(market["soap"], company=market["soap_maker"])
    pending = make_listing(market["kimchi"], event=market["other_event"], status="pending")
    assert registration_of(market["event"], company=market["company"]) is None
    login(market["users"]["organiser"])
    form_page = client.get(f"/live/events/{market['event'].id}/new").text
    assert "Jeju Soap" in form_page
    assert "Napa cabbage kimchi" in form_page
    assert f'value="{pending.id}"' not in form_page  # only approved listings of this event
    response = client.post(f"/live/events/{market['event'].id}/new", data={
        **session_form(company=market["company"].id,
                       host_email=market["users"]["supplier"].email),
        "listings": [radish.id, kimchi.id]})
    assert response.status_code == 302, response.text
    session = db.session.scalar(select(LiveSession))
    assert response.headers["Location"].endswith(f"/live/{session.id}")
    # 15:00 at COEX (Asia/Seoul) is 06:00 UTC.
    assert session.starts_at.replace(tzinfo=UTC) == datetime(2025, 10, 21, 6, tzinfo=UTC)
    assert [listing.id for listing in session.listings] == [radish.id, kimchi.id]
    assert session.host_user_id == market["users"]["supplier"].id
    # Viewers' questions can become meeting requests: the supplier is now registered.
    assert registration_of(market["event"], company=market["company"]) is not None


@pytest.mark.parametrize(("changes", "error"), [
    ({"ends_at": "2025-10-21T14:00"}, "The session must end after it starts."),
    ({"stream_url": "javascript:alert(1)"}, "The stream link must be a web address"),
    ({"host_email": "nobody@example.com"}, "No account has the e-mail address"),
])
def test_session_form_errors(client, login, market, make_listing, changes, error, db):
    make_listing()
    login(market["users"]["organiser"])
    response = client.post(f"/live/events/{market['event'].id}/new",
                           data=session_form(company=market["company"].id, **changes))
    assert response.status_code == 400
    assert error in response.text
    assert db.session.scalar(select(LiveSession)) is None


def test_featured_products_are_the_suppliers_approved_listings(market, make_listing, db):
    organiser = market["users"]["organiser"]
    soap = make_listing(market["soap"], company=market["soap_maker"])
    pending = make_listing(market["radish"], status="pending")
    elsewhere = make_listing(market["radish"], event=market["other_event"])
    times = {"starts_at": utcnow(), "ends_at": utcnow() + timedelta(hours=1)}
    fields = {"title_ko": "라이브", "title_en": "", "description_ko": "", "description_en": "",
              "host_user": None, "host_name": "", "stream_url": "", **times}
    for wrong in (soap, pending, elsewhere):
        with pytest.raises(live.InvalidLiveSession):
            live.create_session(market["event"], market["company"], organiser,
                                listings=[wrong], **fields)
    with pytest.raises(live.InvalidLiveSession, match="host account"):
        live.create_session(market["event"], market["company"], organiser, listings=[],
                            **{**fields, "host_user": market["users"]["buyer"]})
    for not_organiser in ("supplier", "buyer"):
        with pytest.raises(Forbidden):
            live.create_session(market["event"], market["company"],
                                market["users"][not_organiser], listings=[], **fields)


def test_organiser_edits_and_deletes_a_session(client, login, market, make_session,
                                               make_listing, db):
    session = make_session()
    radish = make_listing(market["radish"])
    live.pin_listing(session, session.listings[0], market["users"]["organiser"])
    db.session.commit()
    login(market["users"]["organiser"])
    page = client.get(f"/live/{session.id}/edit").text
    assert 'value="김치 라이브"' in page
    response = client.post(f"/live/{session.id}/edit", data={
        **session_form(title_ko="깍두기 라이브", stream_url=""), "listings": [radish.id]})
    assert response.status_code == 302, response.text
    db.session.refresh(session)
    assert (session.title_ko, [listing.id for listing in session.listings]) == (
        "깍두기 라이브", [radish.id])
    assert session.pinned_listing_id is None  # the pinned product is no longer featured
    session_id = session.id
    assert client.post(f"/live/{session_id}/delete").status_code == 302
    db.session.expunge_all()
    assert db.session.get(LiveSession, session_id) is None


@pytest.mark.parametrize(("link", "embed"), [
    ("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=3", "dQw4w9WgXcQ"),
    ("https://youtu.be/dQw4w9WgXcQ?si=x", "dQw4w9WgXcQ"),
    ("https://www.youtube.com/live/dQw4w9WgXcQ", "dQw4w9WgXcQ"),
    ("https://m.youtube.com/embed/dQw4w9WgXcQ", "dQw4w9WgXcQ"),
    ("https://www.youtube.com/watch?v=short", None),
    ("https://evil.example/watch?v=dQw4w9WgXcQ", None),
    ("https://www.youtube.com.evil.example/watch?v=dQw4w9WgXcQ", None),
    ("https://tv.naver.com/l/123456", None),
    ("", None),
])
def test_only_youtube_links_are_embedded(link, embed):
    expected = f"https://www.youtube-nocookie.com/embed/{embed}" if embed else None
    assert live.youtube_embed_url(link) == expected


def test_the_embed_is_allowed_on_the_session_page_only(client, make_session):
    youtube = make_session()
    page = client.get(f"/live/{youtube.id}")
    assert '<iframe src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"' in page.text
    assert "frame-src https://www.youtube-nocookie.com" in page.headers["Content-Security-Policy"]
    assert "frame-src" not in client.get("/live").headers["Content-Security-Policy"]
    other = make_session(stream_url="https://tv.naver.com/l/123456", title_ko="네이버")
    page = client.get(f"/live/{other.id}")
    assert "<iframe" not in page.text
    assert 'href="https://tv.naver.com/l/123456"' in page.text
    assert "frame-src" not in page.headers["Content-Security-Policy"]


def test_sessions_list_by_status(client, market, make_session):
    now = utcnow()
    make_session(title_en="On air")
    make_session(title_en="Tomorrow", starts_at=now + timedelta(days=1))
    make_session(title_en="Last week", starts_at=now - timedelta(days=7))
    groups = live.sessions_by_status(now)
    assert [[s.title_en for s in groups[key]] for key in ("live", "upcoming", "ended")] == [
        ["On air"], ["Tomorrow"], ["Last week"]]
    page = client.get("/live", headers={"Accept-Language": "en"}).text
    assert page.index("On air") < page.index("Tomorrow") < page.index("Last week")
    assert 'href="/live"' in client.get("/market").text  # linked from the market


@pytest.fixture
def pages(market, make_session, make_user, db):
    host = make_user(Role.ORGANISER)
    session = make_session(host=host)
    question = live.post_message(session, market["users"]["buyer"], "Is it spicy?")
    live.post_message(session, market["users"]["supplier"], "A little.", question)
    db.session.commit()
    return {"session": session.id, "question": question.id, "event": market["event"].id,
            "host": host}


PAGES = {
    None: ["/live", "/live/{session}"],
    "buyer": ["/live", "/live/{session}", "/live/{session}/messages/{question}/meeting-request"],
    "supplier": ["/live/{session}", "/live/{session}/report"],
    "host": ["/live/{session}", "/live/{session}/report"],
    "organiser": ["/live", "/live/{session}", "/live/{session}/report",
                  "/live/{session}/edit", "/live/events/{event}/new"],
}
EXPECTED = {  # a sentence of each page in both languages: the page is really translated
    "/live": ("Live commerce", "라이브 커머스"),
    "/live/{session}": ("Featured products", "추천 상품"),
    "/live/{session}/report": ("Orders of featured products during the session",
                               "세션 중 추천 상품 주문"),
    "/live/{session}/messages/{question}/meeting-request": ("Request a meeting", "상담 요청하기"),
    "/live/events/{event}/new": ("Schedule a live session", "라이브 세션 예약"),
}


@pytest.mark.parametrize("role", list(PAGES))
def test_pages_in_korean_and_english(client, login, market, pages, role):
    if role:
        login(pages["host"] if role == "host" else market["users"][role])
    for template in PAGES[role]:
        url = template.format(**pages)
        korean = client.get(url, headers={"Accept-Language": "ko-KR,ko;q=0.9"})
        assert korean.status_code == 200, url
        assert '<html lang="ko">' in korean.text, url
        assert leftovers(korean.text, "id") == [], url
        english = client.get(url, headers={"Accept-Language": "en-US"})
        assert '<html lang="en">' in english.text, url
        assert leftovers(english.text, "string") == [], url
        if template in EXPECTED:
            assert EXPECTED[template][0] in english.text, url
            assert EXPECTED[template][1] in korean.text, url


def test_only_moderators_see_reports_and_moderation(client, login, market, pages):
    for role in ("buyer", "other_supplier"):
        login(market["users"][role])
        page = client.get(f"/live/{pages['session']}").text
        assert "/report" not in page
        assert "/mute" not in page
        assert client.get(f"/live/{pages['session']}/report").status_code == 403
        assert client.get(f"/live/{pages['session']}/transcript.csv").status_code == 403
        client.post("/logout")
    login(market["users"]["supplier"])
    page = client.get(f"/live/{pages['session']}").text
    assert "Mute author" in page
    assert "/report" in page


def test_ordering_from_the_session_page_comes_back_to_it(client, login, market, make_session):
    session = make_session()
    url = f"/market/listings/{session.featured[0].listing_id}/order"
    login(market["users"]["buyer"])
    page = client.get(f"/live/{session.id}").text
    assert f'action="{url}"' in page
    back = client.post(url, data={"quantity": "1", "next": f"/live/{session.id}"})
    assert back.headers["Location"].endswith(f"/live/{session.id}")
    elsewhere = client.post(url, data={"quantity": "1", "next": "https://evil.example/"})
    assert elsewhere.headers["Location"].endswith("/market/orders")  # no open redirect
