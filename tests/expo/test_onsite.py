"""On the day: the printable agenda, its .ics and feed, check-in, no-shows and freed slots."""

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, time

import pytest
from icalendar import Calendar
from sqlalchemy import select

from app.auth.models import Role, User
from app.core.formatting import format_datetime
from app.expo import events as setup
from app.expo import meeting_requests as requests
from app.expo import participation, placement
from app.expo.errors import UnknownCheckInCode
from app.expo.models import Event, Meeting, MeetingRequest, Notification, Registration, Slot
from app.extensions import db as _db

KO = {"Accept-Language": "ko-KR,ko;q=0.9"}
EN = {"Accept-Language": "en-US"}


@dataclass
class Side:
    user: User
    registration: Registration


@dataclass
class Fair:
    event: Event
    slots: list[Slot]
    organiser: User
    sides: dict[str, Side]
    meeting: Meeting

    def request(self, buyer: str, supplier: str) -> MeetingRequest:
        return _db.session.scalar(select(MeetingRequest).where(
            MeetingRequest.event_id == self.event.id,
            MeetingRequest.buyer_id == self.sides[buyer].registration.buyer_id,
            MeetingRequest.company_id == self.sides[supplier].registration.company_id))


@pytest.fixture
def fair(db, make_user, make_company, make_buyer):
    """An event of one morning: four 30-minute slots, three tables, one interpreter.

    Suppliers a-d, buyers x-y; a (Korean only) meets x (English) with the interpreter in the
    first slot; y has accepted, unscheduled requests with b, c and d.
    """
    organiser = make_user(Role.ORGANISER)
    event = setup.create_event(
        organiser, name_ko="2026 강원 수출상담회", name_en="Gangwon Export Fair 2026",
        venue_ko="강원컨벤션센터", venue_en="Gangwon Convention Center",
        starts_on=date(2026, 6, 10), ends_on=date(2026, 6, 10))
    slots = setup.add_session(event, organiser, date(2026, 6, 10), time(10), time(12),
                              slot_minutes=30)
    setup.add_tables(event, organiser, 3)
    interpreter = setup.add_interpreter(event, organiser, "김통역", ["ko", "en"])
    companies = {
        "a": make_company(name_ko="강원쌀면(주)", name_en="Gangwon Rice Noodle"),
        "b": make_company(name_ko="메밀방앗간", name_en="Buckwheat Mill", languages="ko;en"),
        "c": make_company(name_ko="횡성한우", name_en="Hoengseong Beef", languages="ko;en"),
        "d": make_company(name_ko="평창감자", name_en="Pyeongchang Potato", languages="ko;en"),
    }
    buyers = {"x": make_buyer("Kiwi Imports Ltd"), "y": make_buyer("Sakura Trading")}
    sides = {}
    for key, company in companies.items():
        sides[key] = Side(make_user(Role.SUPPLIER, company=company),
                          participation.register(event, organiser, company=company))
    for key, buyer in buyers.items():
        sides[key] = Side(make_user(Role.BUYER, buyer=buyer),
                          participation.register(event, organiser, buyer=buyer))
    for buyer, supplier in (("x", "a"), ("y", "b"), ("y", "c"), ("y", "d")):
        request = requests.request_meeting(event, buyers[buyer], companies[supplier], organiser)
        requests.respond(request, organiser, accept=True)
    meeting = placement.book(db.session.scalar(select(MeetingRequest).where(
        MeetingRequest.buyer_id == buyers["x"].id)), slots[0], organiser)
    db.session.commit()
    assert meeting.table.name == "T01"
    assert meeting.interpreter is interpreter
    return Fair(event, slots, organiser, sides, meeting)


@contextmanager
def language(app, headers: dict[str, str]):
    """A request of its own (Flask-Babel keeps the locale in the app context's `g`)."""
    with app.app_context(), app.test_request_context(headers=headers):
        yield


def switch_to(client, login, user: User) -> None:
    client.post("/logout")
    login(user)


def parse_events(body: bytes) -> dict[str, object]:
    return {str(e["UID"]): e for e in Calendar.from_ical(body).walk("VEVENT")}


def test_agenda_page_in_korean_and_english(app, client, login, fair):
    supplier = fair.sides["a"]
    login(supplier.user)
    url = f"/events/{fair.event.id}/agenda"
    korean = client.get(url, headers=KO)
    assert korean.status_code == 200
    assert '<html lang="ko">' in korean.text
    assert "2026 강원 수출상담회" in korean.text
    assert "공급기업" in korean.text
    with language(app, KO):
        assert format_datetime(fair.slots[0].starts_at, "short") in korean.text
    assert "Kiwi Imports Ltd" in korean.text
    assert "T01" in korean.text
    assert "김통역" in korean.text
    assert supplier.registration.check_in_code in korean.text
    assert '<svg role="img" viewBox="' in korean.text
    assert 'class="qr"' in korean.text
    assert f"http://localhost/calendar/{supplier.registration.calendar_token}.ics" \
        in korean.text
    assert f'href="/events/{fair.event.id}/agenda.ics"' in korean.text
    assert 'style="' not in korean.text  # the CSP forbids inline styles
    english = client.get(url, headers=EN)
    assert '<html lang="en">' in english.text
    assert "Gangwon Export Fair 2026" in english.text
    assert "Table T01" in english.text
    with language(app, EN):
        assert format_datetime(fair.slots[0].starts_at, "short") in english.text


def test_organisers_see_anyones_agenda_participants_only_their_own(client, login, fair):
    url = f"/events/{fair.event.id}/agenda?registration={fair.sides['x'].registration.id}"
    login(fair.organiser)
    assert "Gangwon Rice Noodle" in client.get(url, headers=EN).text
    assert client.get(f"/events/{fair.event.id}/agenda").status_code == 200  # the chooser
    switch_to(client, login, fair.sides["b"].user)
    assert client.get(url).status_code == 403


def test_ics_download_and_feed_follow_a_moved_meeting(client, login, db, fair):
    supplier = fair.sides["a"]
    meeting = fair.meeting
    login(supplier.user)
    response = client.get(f"/events/{fair.event.id}/agenda.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    entry = parse_events(response.data)[meeting.uid]
    assert int(entry["SEQUENCE"]) == meeting.sequence == 0
    assert entry.decoded("DTSTART") == fair.slots[0].starts_at
    assert "T01" in str(entry["LOCATION"])

    tables = fair.event.tables
    placement.move(meeting, placement.Placement(slot=fair.slots[2], table=tables[1], booth=None,
                                                interpreter=meeting.interpreter),
                   fair.organiser)
    db.session.commit()
    client.post("/logout")
    feed = client.get(f"/calendar/{supplier.registration.calendar_token}.ics")
    assert feed.status_code == 200
    assert feed.headers["Cache-Control"] == "no-store"
    events = parse_events(feed.data)
    assert list(events) == [meeting.uid]  # the same event, updated: no duplicate
    moved = events[meeting.uid]
    assert int(moved["SEQUENCE"]) == 1
    assert moved.decoded("DTSTART") == fair.slots[2].starts_at
    assert "T02" in str(moved["LOCATION"])


def test_feed_with_a_wrong_token_is_404_without_login(client, fair):
    assert client.get("/calendar/not-a-token.ics").status_code == 404
    own = client.get(f"/calendar/{fair.sides['y'].registration.calendar_token}.ics")
    assert own.status_code == 200  # no login needed, and y has no meeting yet
    assert parse_events(own.data) == {}


def test_check_in_by_code(app, client, login, db, fair):
    registration = fair.sides["b"].registration
    url = f"/events/{fair.event.id}/checkin"
    login(fair.sides["b"].user)
    assert client.get(url).status_code == 403
    switch_to(client, login, fair.organiser)
    page = client.post(url, data={"code": registration.check_in_code.lower() + " "},
                       headers=EN, follow_redirects=True)
    assert "Buckwheat Mill is checked in." in page.text
    db.session.refresh(registration)
    assert registration.checked_in_at is not None
    assert "1 of 6 participants checked in." in page.text

    unknown = client.post(url, data={"code": "ZZZZ0000"}, headers=KO)
    assert unknown.status_code == 200
    assert '<html lang="ko">' in unknown.text
    with language(app, KO):
        assert UnknownCheckInCode().text() in unknown.text


def test_no_show_offers_the_slot_to_a_present_pair_who_takes_it(client, login, db, fair):
    for key in ("x", "y", "b", "d"):  # c stays away; d is not available in the first slot
        participation.check_in(fair.event, fair.sides[key].registration.check_in_code,
                               fair.organiser)
    participation.set_unavailable(fair.sides["d"].registration, {fair.slots[0].id},
                                  fair.organiser)
    db.session.commit()
    login(fair.organiser)
    board = client.get(f"/events/{fair.event.id}/checkin", headers=EN)
    assert f"/meetings/{fair.meeting.id}/no-show" in board.text

    page = client.post(f"/events/{fair.event.id}/meetings/{fair.meeting.id}/no-show",
                       headers=EN, follow_redirects=True)
    assert "the slot was offered to 1 pair." in page.text
    db.session.refresh(fair.meeting)
    assert fair.meeting.status == "no_show"
    offered = set(db.session.scalars(select(Notification.user_id).where(
        Notification.kind == "slot_freed")))
    assert offered == {fair.sides["y"].user.id, fair.sides["b"].user.id}

    # The absent pair's supplier cannot take it.
    switch_to(client, login, fair.sides["c"].user)
    wanted = fair.request("y", "b")
    refused = client.post(f"/events/{fair.event.id}/requests/{fair.request('y', 'c').id}"
                          f"/take/{fair.slots[0].id}", headers=EN, follow_redirects=True)
    assert "This slot was not offered to you" in refused.text
    assert fair.request("y", "c").meeting is None

    switch_to(client, login, fair.sides["y"].user)
    notifications = client.get("/notifications", headers=KO)
    assert '<html lang="ko">' in notifications.text
    take = f"/events/{fair.event.id}/requests/{wanted.id}/take/{fair.slots[0].id}"
    assert take in notifications.text
    response = client.post(take)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/events/{fair.event.id}/agenda")
    meeting = fair.request("y", "b").meeting
    assert meeting is not None
    assert meeting.slot_id == fair.slots[0].id
    assert meeting.table.name == "T01"  # the no-show freed its table (partial unique index)
    assert take not in client.get("/notifications").text  # the offer is over


def test_notifications_page_in_korean_and_mark_read(client, login, db, fair):
    placement.move(fair.meeting, placement.Placement(
        slot=fair.slots[1], table=fair.meeting.table, booth=None,
        interpreter=fair.meeting.interpreter), fair.organiser)
    db.session.commit()
    buyer = fair.sides["x"].user
    login(buyer)
    page = client.get("/notifications", headers=KO)
    assert page.status_code == 200
    assert '<html lang="ko">' in page.text
    assert "강원쌀면(주)" in page.text  # the moved meeting's counterpart
    assert 'class="unread"' in page.text
    assert client.post("/notifications/read").status_code == 302
    unread = db.session.scalars(select(Notification).where(
        Notification.user_id == buyer.id, Notification.read_at.is_(None))).all()
    assert unread == []
    assert 'class="unread"' not in client.get("/notifications", headers=KO).text
