"""Single placements: the rules, manual moves, and two people taking one slot at once."""

import threading
from datetime import date, time

import pytest
from sqlalchemy import func, select

from app.auth import services as auth_services
from app.auth.models import Role
from app.buyers.models import Buyer
from app.catalogue.models import Company
from app.expo import events as setup
from app.expo import meeting_requests as requests
from app.expo import participation, placement
from app.expo.errors import InvalidPlacement, SlotTaken, SlotUnavailable
from app.expo.models import Meeting, MeetingRequest, Slot
from app.extensions import db as _db


def accepted(expo, buyer, company):
    request = requests.request_meeting(expo["event"], expo[buyer], expo[company],
                                       expo["users"]["organiser"])
    requests.respond(request, expo["users"]["organiser"], accept=True)
    return request


def test_booking_places_at_a_table_with_an_interpreter_when_needed(expo, db):
    # Kiwi speaks English, the noodle maker Korean only: an interpreter is needed.
    request = accepted(expo, "kiwi", "noodle")
    meeting = placement.book(request, expo["slots"][0], expo["users"]["kiwi"])
    assert meeting.table is not None
    assert meeting.interpreter.name == "김통역"
    # Hanoi writes Korean: no interpreter.
    korean = placement.book(accepted(expo, "hanoi", "noodle"), expo["slots"][1],
                            expo["users"]["hanoi"])
    assert korean.interpreter is None


def test_rules_are_enforced(expo, db):
    first = placement.book(accepted(expo, "kiwi", "noodle"), expo["slots"][0],
                           expo["users"]["kiwi"])
    second = accepted(expo, "kiwi", "sauce")
    with pytest.raises(SlotTaken):  # the buyer is busy then
        placement.book(second, expo["slots"][0], expo["users"]["kiwi"])
    registration = participation.registration_of(expo["event"], company=expo["sauce"])
    participation.set_unavailable(registration, {expo["slots"][1].id},
                                  expo["users"]["sauce"])
    with pytest.raises(SlotUnavailable):
        placement.book(second, expo["slots"][1], expo["users"]["kiwi"])
    target = placement.Placement(expo["slots"][2], None, None, first.interpreter)
    with pytest.raises(InvalidPlacement, match="needs a table"):
        placement.move(first, target, expo["users"]["organiser"])
    target = placement.Placement(expo["slots"][2], expo["event"].tables[0], None, None)
    with pytest.raises(InvalidPlacement, match="interpreter is needed"):
        placement.move(first, target, expo["users"]["organiser"])
    sequence = first.sequence
    target = placement.Placement(expo["slots"][2], expo["event"].tables[1], None,
                                 first.interpreter)
    placement.move(first, target, expo["users"]["organiser"])
    assert (first.slot_id, first.sequence) == (expo["slots"][2].id, sequence + 1)


def test_booth_supplier_meets_at_its_booth(expo, db):
    participation.register(expo["event"], expo["users"]["organiser"], company=expo["sauce"],
                           booth="A-12")
    meeting = placement.book(accepted(expo, "hanoi", "sauce"), expo["slots"][0],
                             expo["users"]["hanoi"])
    assert (meeting.booth, meeting.table) == ("A-12", None)
    with pytest.raises(InvalidPlacement, match="booth"):
        placement.move(meeting, placement.Placement(expo["slots"][1], expo["event"].tables[0],
                                                    "A-12", None), expo["users"]["organiser"])


def test_two_people_taking_the_same_slot_at_once(separate_database):
    """Two buyers book the same supplier's only slot at the same moment: exactly one wins."""
    app = separate_database
    with app.app_context():
        organiser = auth_services.create_user("ops@example.com", "s3cret-test-pw", Role.ORGANISER)
        event = setup.create_event(organiser, name_ko="경쟁", name_en="Race",
                                   starts_on=date(2025, 10, 21), ends_on=date(2025, 10, 21))
        setup.add_session(event, organiser, date(2025, 10, 21), time(10), time(10, 30))
        setup.add_tables(event, organiser, 2)
        company = Company(supplier_ref="S1", name_ko="인기기업", languages="ko;en")
        _db.session.add(company)
        buyers = [Buyer(buyer_ref=f"B{i}", company_name=f"Buyer {i}", country="NZ",
                        language="en", interests="x") for i in (1, 2)]
        _db.session.add_all(buyers)
        _db.session.flush()
        participation.register(event, organiser, company=company)
        request_ids, user_ids = [], []
        for buyer in buyers:
            participation.register(event, organiser, buyer=buyer)
            request = requests.request_meeting(event, buyer, company, organiser)
            requests.respond(request, organiser, accept=True)
            user = auth_services.create_user(f"{buyer.buyer_ref}@example.com", "s3cret-test-pw",
                                             Role.BUYER, buyer_id=buyer.id)
            request_ids.append(request.id)
            user_ids.append(user.id)
        slot_id = event.slots[0].id
        _db.session.commit()

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def take(request_id: int, user_id: int) -> None:
        from app.auth.models import User

        barrier.wait(timeout=30)
        with app.app_context():
            request = _db.session.get(MeetingRequest, request_id)
            user = _db.session.get(User, user_id)
            slot = _db.session.get(Slot, slot_id)
            try:
                placement.book(request, slot, user)
                _db.session.commit()
                outcomes.append("booked")
            except SlotTaken as error:
                _db.session.rollback()
                outcomes.append(error.text())
            except Exception as error:  # recorded so that the assertion shows it
                outcomes.append(repr(error))

    threads = [threading.Thread(target=take, args=pair) for pair in zip(request_ids, user_ids,
                                                                        strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["This slot was just taken. Please choose another.", "booked"]
    with app.app_context():
        assert _db.session.scalar(select(func.count(Meeting.id))) == 1
