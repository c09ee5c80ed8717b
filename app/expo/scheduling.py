"""Running the optimiser on an event: accepted requests in, meetings out, confirmed ones kept.

The event is turned into the solver instance of FORMATS.md, so the organiser's pages and
`flask --app app expo solve` run the very same scheduler.
"""

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.auth.permissions import ensure_organiser
from app.expo.models import Event, Meeting, MeetingRequest, Registration
from app.expo.notifications import notify_side
from app.extensions import db


@dataclass
class RunSummary:
    scheduled: int
    kept: int
    unscheduled: int
    without_meeting: int
    objective: float


def build_instance(event: Event) -> dict:
    """The FORMATS.md instance: ids are s<slot>, t<table>, i<interpreter>, c<company>,
    b<buyer>, r<request>; confirmed meetings are `fixed`."""
    registrations = db.session.scalars(select(Registration).where(
        Registration.event_id == event.id).options(selectinload(Registration.unavailable),
                                                   selectinload(Registration.company),
                                                   selectinload(Registration.buyer))).all()
    participants = []
    for reg in registrations:
        unavailable = [f"s{u.slot_id}" for u in reg.unavailable]
        if reg.company_id:
            participants.append({"id": f"c{reg.company_id}", "side": "supplier",
                                 "languages": reg.company.spoken_languages,
                                 "unavailable": unavailable, "booth": reg.booth})
        else:
            participants.append({"id": f"b{reg.buyer_id}", "side": "buyer",
                                 "languages": [reg.buyer.language], "unavailable": unavailable})
    registered = {p["id"] for p in participants}
    requests = []
    for request in db.session.scalars(select(MeetingRequest).where(
            MeetingRequest.event_id == event.id, MeetingRequest.status == "accepted")
            .options(selectinload(MeetingRequest.meeting))):
        supplier, buyer = f"c{request.company_id}", f"b{request.buyer_id}"
        if supplier not in registered or buyer not in registered:
            continue
        entry = {"id": f"r{request.id}", "supplier": supplier, "buyer": buyer,
                 "weight": request.priority}
        meeting = request.meeting
        if meeting is not None and meeting.confirmed:
            entry["fixed"] = {"slot": f"s{meeting.slot_id}",
                              "table": f"t{meeting.table_id}" if meeting.table_id else None,
                              "interpreter": f"i{meeting.interpreter_id}"
                              if meeting.interpreter_id else None}
        requests.append(entry)
    return {
        "slots": [{"id": f"s{slot.id}", "start": slot.starts_at.isoformat(),
                   "end": slot.ends_at.isoformat()} for slot in event.slots],
        "tables": [{"id": f"t{table.id}"} for table in event.tables],
        "interpreters": [{"id": f"i{i.id}", "languages": i.language_codes,
                          "unavailable": [f"s{a.slot_id}" for a in i.unavailable]}
                         for i in event.interpreters],
        "participants": participants,
        "requests": requests,
    }


def _number(code: str | None) -> int | None:
    return int(code[1:]) if code else None


def run(event: Event, by: User, *, time_limit: float = 60,
        progress: Callable[[str, int, int], None] | None = None) -> RunSummary:
    """Schedule every accepted request; confirmed meetings stay, the rest is re-optimised.

    `progress(phase, done, total)` is told "solve" and "save" (the job queue's commits there,
    so the optimiser holds no transaction and no SQLite lock); all writes come after both.
    """
    from app.expo.scheduler import (
        solver as scheduler,  # the optimiser (scipy/HiGHS) loads only when scheduling
    )

    ensure_organiser(by)
    instance = build_instance(event)
    problem = scheduler.load_instance(instance)
    if progress:
        progress("solve", 1, 3)
    result = scheduler.schedule_to_dict(scheduler.solve(problem, time_limit=time_limit))
    if progress:
        progress("save", 2, 3)
    existing = {m.request_id: m for m in db.session.scalars(
        select(Meeting).where(Meeting.event_id == event.id))}
    kept = sum(1 for m in existing.values() if m.confirmed)
    previous = {rid: (m.uid, m.sequence, m.slot_id, m.table_id, m.interpreter_id)
                for rid, m in existing.items() if not m.confirmed}
    for meeting in existing.values():  # open meetings are placed again from scratch
        if not meeting.confirmed:
            db.session.delete(meeting)
    db.session.flush()
    registrations = {(r.company_id or 0, r.buyer_id or 0): r for r in db.session.scalars(
        select(Registration).where(Registration.event_id == event.id))}
    requests = {r.id: r for r in db.session.scalars(select(MeetingRequest).where(
        MeetingRequest.event_id == event.id))}
    for request in requests.values():
        request.unscheduled_reason = None
    for placed in result["meetings"]:
        request = requests[_number(placed["request"])]
        if request.meeting is not None and request.meeting.confirmed:
            continue
        slot_id, table_id = _number(placed["slot"]), _number(placed.get("table"))
        interpreter_id = _number(placed.get("interpreter"))
        booth = registrations[(request.company_id, 0)].booth
        meeting = Meeting(event_id=event.id, request_id=request.id, buyer_id=request.buyer_id,
                          company_id=request.company_id, slot_id=slot_id, table_id=table_id,
                          booth=booth if booth and table_id is None else None,
                          interpreter_id=interpreter_id)
        if request.id in previous:
            uid, sequence, *place = previous[request.id]
            moved = place != [slot_id, table_id, interpreter_id]
            meeting.uid, meeting.sequence = uid, sequence + moved
        db.session.add(meeting)
    for missing in result["unscheduled"]:
        requests[_number(missing["request"])].unscheduled_reason = missing["reason"][:200]
    db.session.flush()
    with_requests = {p for r in instance["requests"] for p in (r["supplier"], r["buyer"])}
    met = {p for placed in result["meetings"] for p in (
        f"c{requests[_number(placed['request'])].company_id}",
        f"b{requests[_number(placed['request'])].buyer_id}")}
    return RunSummary(scheduled=len(result["meetings"]), kept=kept,
                      unscheduled=len(result["unscheduled"]),
                      without_meeting=len(with_requests - met),
                      objective=float(result.get("objective", 0)))


def publish(event: Event, by: User) -> int:
    """Confirm every meeting (re-runs keep them) and tell both sides."""
    ensure_organiser(by)
    meetings = db.session.scalars(select(Meeting).where(Meeting.event_id == event.id)
                                  .options(selectinload(Meeting.slot))).all()
    for meeting in meetings:
        if not meeting.confirmed:
            meeting.confirmed = True
            when = meeting.slot.starts_at.isoformat()
            notify_side("meeting_scheduled", buyer_id=meeting.buyer_id, when=when,
                        name=meeting.company.name_en or meeting.company.name_ko,
                        link=f"/events/{event.id}/agenda")
            notify_side("meeting_scheduled", company_id=meeting.company_id, when=when,
                        name=meeting.buyer.company_name, link=f"/events/{event.id}/agenda")
    event.schedule_published = True
    db.session.flush()
    return len(meetings)
