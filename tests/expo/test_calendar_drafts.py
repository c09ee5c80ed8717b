"""Calendars carry only what is settled: a draft schedule (before the organiser publishes) is
in no .ics file or feed, so a re-run cannot move or drop a meeting people already saved."""

from icalendar import Calendar
from sqlalchemy import select

from app.expo import meeting_requests as requests
from app.expo import participation, scheduling
from app.expo.models import Meeting, Registration


def calendar_events(client, url: str) -> dict[str, object]:
    response = client.get(url)
    assert response.status_code == 200
    return {str(e["UID"]): e for e in Calendar.from_ical(response.data).walk("VEVENT")}


def feed_url(expo, buyer) -> str:
    from app.extensions import db

    registration = db.session.scalar(select(Registration).where(
        Registration.event_id == expo["event"].id, Registration.buyer_id == buyer.id))
    return f"/calendar/{registration.calendar_token}.ics"


def test_a_draft_schedule_is_in_no_calendar_until_published(client, login, expo, db):
    event, organiser = expo["event"], expo["users"]["organiser"]
    request = requests.request_meeting(event, expo["kiwi"], expo["noodle"],
                                       expo["users"]["kiwi"], "Hello")
    requests.respond(request, expo["users"]["noodle"], accept=True)
    scheduling.run(event, organiser, time_limit=10)
    db.session.commit()
    meeting = db.session.scalar(select(Meeting).where(Meeting.request_id == request.id))
    assert meeting is not None
    assert not meeting.confirmed
    login(expo["users"]["kiwi"])
    assert calendar_events(client, f"/events/{event.id}/agenda.ics") == {}
    assert calendar_events(client, feed_url(expo, expo["kiwi"])) == {}

    scheduling.publish(event, organiser)
    db.session.commit()
    for url in (f"/events/{event.id}/agenda.ics", feed_url(expo, expo["kiwi"])):
        entries = calendar_events(client, url)
        assert list(entries) == [meeting.uid]
        assert str(entries[meeting.uid]["STATUS"]) == "CONFIRMED"
        assert int(entries[meeting.uid]["SEQUENCE"]) == 0

    # A meeting that will not take place is cancelled in place: same UID, higher SEQUENCE.
    participation.mark_no_show(meeting, organiser)
    db.session.commit()
    entry = calendar_events(client, feed_url(expo, expo["kiwi"]))[meeting.uid]
    assert str(entry["STATUS"]) == "CANCELLED"
    assert int(entry["SEQUENCE"]) == 1


def test_a_slot_participants_book_is_settled_and_kept_by_a_re_run(client, login, expo, db):
    event = expo["event"]
    event.booking_mode = "participants"
    request = requests.request_meeting(event, expo["kiwi"], expo["noodle"],
                                       expo["users"]["kiwi"], "Hello")
    db.session.commit()
    login(expo["users"]["noodle"])
    slot = expo["slots"][-1]
    response = client.post(f"/events/{event.id}/requests/{request.id}/answer",
                           data={"accept": "1", "slot": str(slot.id)})
    assert response.status_code == 302
    meeting = db.session.scalar(select(Meeting).where(Meeting.request_id == request.id))
    assert meeting.confirmed
    assert list(calendar_events(client, feed_url(expo, expo["kiwi"]))) == [meeting.uid]
    scheduling.run(event, expo["users"]["organiser"], time_limit=10)
    db.session.commit()
    kept = db.session.scalar(select(Meeting).where(Meeting.request_id == request.id))
    assert (kept.uid, kept.slot_id, kept.sequence) == (meeting.uid, slot.id, 0)
