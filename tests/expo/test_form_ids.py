"""Ids taken from a URL or a form must belong to their parent: a slot, table or interpreter of
another event, a meeting of another event, or a slot where the organiser schedules, change
nothing."""

from datetime import date, time

import pytest
from sqlalchemy import func, select

from app.expo import events as setup
from app.expo import meeting_requests as requests
from app.expo import participation, placement
from app.expo.models import Meeting, MeetingRequest, Unavailability
from tests.security.helpers import database_state


@pytest.fixture
def other_event(expo, db):
    """An event in March with its own slots, tables and interpreter."""
    organiser = expo["users"]["organiser"]
    event = setup.create_event(organiser, name_ko="3월 엑스포", name_en="March Expo",
                               starts_on=date(2026, 3, 10), ends_on=date(2026, 3, 10),
                               booking_mode="participants")
    setup.add_session(event, organiser, date(2026, 3, 10), time(10), time(11))
    setup.add_tables(event, organiser, 1, prefix="M")
    setup.add_interpreter(event, organiser, "박통역", ["ko", "en"])
    db.session.commit()
    return event


def pending_request(expo, db):
    request = requests.request_meeting(expo["event"], expo["kiwi"], expo["noodle"],
                                       expo["users"]["kiwi"], "Hello")
    db.session.commit()
    return request


def answer(client, expo, request, slot_id):
    return client.post(f"/events/{expo['event'].id}/requests/{request.id}/answer",
                       data={"accept": "1", "slot": str(slot_id)})


def test_where_the_organiser_schedules_a_slot_in_the_answer_is_refused(client, login, expo, db):
    assert expo["event"].booking_mode == "organiser"
    request = pending_request(expo, db)
    login(expo["users"]["noodle"])
    response = answer(client, expo, request, expo["slots"][0].id)
    assert response.status_code in (303, 400, 409)
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == 0
    assert db.session.get(MeetingRequest, request.id).status == "pending"
    # Accepting without a slot is what the page offers, and works.
    response = client.post(f"/events/{expo['event'].id}/requests/{request.id}/answer",
                           data={"accept": "1"})
    assert response.status_code == 302
    assert db.session.get(MeetingRequest, request.id).status == "accepted"
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == 0


def test_a_slot_of_another_event_is_not_found(client, login, expo, db, other_event):
    expo["event"].booking_mode = "participants"
    db.session.commit()
    request = pending_request(expo, db)
    login(expo["users"]["noodle"])
    response = answer(client, expo, request, other_event.slots[0].id)
    assert response.status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == 0
    assert db.session.get(MeetingRequest, request.id).status == "pending"
    # The service refuses it too, whoever calls it.
    request.status = "accepted"
    with pytest.raises(placement.NotFound):
        placement.book(request, other_event.slots[0], expo["users"]["noodle"])


def test_a_meeting_of_another_event_is_not_moved_through_this_one(client, login, expo, db,
                                                                  other_event):
    for owner in ({"company": expo["noodle"]}, {"buyer": expo["kiwi"]}):
        participation.register(other_event, expo["users"]["organiser"], **owner)
    request = requests.request_meeting(other_event, expo["kiwi"], expo["noodle"],
                                       expo["users"]["kiwi"], "Hello")
    requests.respond(request, expo["users"]["noodle"], accept=True)
    meeting = placement.book(request, other_event.slots[0], expo["users"]["noodle"])
    db.session.commit()
    login(expo["users"]["organiser"])
    before = database_state(db.session)
    event = expo["event"]
    response = client.post(f"/events/{event.id}/meetings/{meeting.id}/move", data={
        "slot": str(event.slots[0].id), "table": str(event.tables[0].id), "interpreter": "0"})
    assert response.status_code == 404
    assert database_state(db.session) == before
    # Nor can a move inside its own event take this event's table.
    with pytest.raises(placement.InvalidPlacement):
        placement.move(meeting, placement.Placement(other_event.slots[0], event.tables[0], None,
                                                    None), expo["users"]["organiser"])


def test_unavailable_slots_of_another_event_are_ignored(client, login, expo, db, other_event):
    login(expo["users"]["noodle"])
    client.post(f"/events/{expo['event'].id}/register",
                data={"public": "y", "unavailable": [str(other_event.slots[0].id),
                                                     str(expo["slots"][0].id)]})
    slots = set(db.session.scalars(select(Unavailability.slot_id)))
    assert slots == {expo["slots"][0].id}


def test_a_consultation_slot_of_another_event_is_not_found(client, login, expo, db,
                                                           other_event):
    from app.core.errors import NotFound
    from app.expo.consultations import services as consultations

    desk = setup.add_desk(expo["event"], expo["users"]["organiser"], "수출 세무", "이세무")
    db.session.commit()
    login(expo["users"]["noodle"])
    response = client.post(f"/events/{expo['event'].id}/consultations/{desk.id}/"
                           f"{other_event.slots[0].id}", data={"question": "?"})
    assert response.status_code == 404
    with pytest.raises(NotFound):  # the service refuses it too, whoever calls it
        consultations.book(desk, other_event.slots[0], expo["noodle"], expo["users"]["noodle"])
