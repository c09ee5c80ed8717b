"""The organiser's batch scheduling on the database, with the optimiser of scheduler.py."""

import pytest
from sqlalchemy import select

from app.expo import meeting_requests as requests
from app.expo import scheduling
from app.expo.models import Meeting, MeetingRequest
from app.expo.scheduler import solver as scheduler


def accept(expo, buyer, company):
    request = requests.request_meeting(expo["event"], expo[buyer], expo[company],
                                       expo["users"]["organiser"])
    requests.respond(request, expo["users"]["organiser"], accept=True)
    return request


def placements(db) -> dict[int, tuple]:
    return {m.request_id: (m.slot_id, m.table_id, m.interpreter_id, m.uid, m.sequence)
            for m in db.session.scalars(select(Meeting))}


def test_schedule_places_every_accepted_request_by_the_rules(expo, db):
    for buyer, company in (("kiwi", "noodle"), ("kiwi", "sauce"), ("hanoi", "noodle"),
                           ("hanoi", "sauce")):
        accept(expo, buyer, company)
    summary = scheduling.run(expo["event"], expo["users"]["organiser"], time_limit=20)
    assert (summary.scheduled, summary.unscheduled, summary.without_meeting) == (4, 0, 0)
    instance = scheduling.build_instance(expo["event"])
    meetings = db.session.scalars(select(Meeting)).all()
    schedule = scheduler.schedule_from_dict(scheduler.load_instance(instance), {
        "meetings": [{"request": f"r{m.request_id}", "slot": f"s{m.slot_id}",
                      "table": f"t{m.table_id}" if m.table_id else None,
                      "interpreter": f"i{m.interpreter_id}" if m.interpreter_id else None}
                     for m in meetings], "unscheduled": [], "objective": summary.objective})
    assert scheduler.validate(scheduler.load_instance(instance), schedule) == []
    kiwi = [m for m in meetings if m.buyer_id == expo["kiwi"].id]
    assert all(m.interpreter is not None for m in kiwi)  # English buyer, Korean-only SMEs
    assert all(m.interpreter is None for m in meetings if m.buyer_id == expo["hanoi"].id)


def test_rerun_keeps_confirmed_meetings_and_fills_what_is_open(expo, db):
    accept(expo, "kiwi", "noodle")
    accept(expo, "hanoi", "sauce")
    scheduling.run(expo["event"], expo["users"]["organiser"], time_limit=20)
    assert scheduling.publish(expo["event"], expo["users"]["organiser"]) == 2
    confirmed = placements(db)
    accept(expo, "hanoi", "noodle")
    summary = scheduling.run(expo["event"], expo["users"]["organiser"], time_limit=20)
    assert (summary.kept, summary.scheduled) == (2, 3)
    after = placements(db)
    assert {rid: after[rid] for rid in confirmed} == confirmed


def test_unplaceable_request_gets_a_reason(expo, db):
    from app.expo import participation

    request = accept(expo, "hanoi", "noodle")
    registration = participation.registration_of(expo["event"], company=expo["noodle"])
    participation.set_unavailable(registration, {s.id for s in expo["slots"]},
                                  expo["users"]["noodle"])
    summary = scheduling.run(expo["event"], expo["users"]["organiser"], time_limit=20)
    assert summary.unscheduled == 1
    assert db.session.get(MeetingRequest, request.id).unscheduled_reason


@pytest.mark.parametrize("language", ["en", "ko"])
def test_schedule_page_runs_and_publishes(client, login, expo, db, language):
    accept(expo, "kiwi", "noodle")
    accept(expo, "hanoi", "sauce")
    db.session.commit()
    login(expo["users"]["organiser"])
    headers = {"Accept-Language": language}
    url = f"/events/{expo['event'].id}/schedule"
    response = client.post(url, data={"time_limit": "20"}, headers=headers)
    assert response.status_code == 302
    page = client.get(url, headers=headers)
    assert f'<html lang="{language}">' in page.text
    assert "Kiwi Pantry" in page.text
    client.post(f"{url}/publish", headers=headers)
    assert all(m.confirmed for m in db.session.scalars(select(Meeting)))
