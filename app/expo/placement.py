"""One meeting's placement checked against the scheduling rules, for bookings and manual moves.

The optimiser (scheduler.py) places many meetings at once; this checks a single placement
against the database, with the same rules as FORMATS.md's solver instance.
"""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.auth.models import User
from app.auth.permissions import ensure_organiser
from app.core.errors import NotFound
from app.expo.errors import (
    InvalidPlacement,
    NoInterpreter,
    OrganiserSchedules,
    SlotTaken,
    SlotUnavailable,
)
from app.expo.meeting_requests import side_of
from app.expo.models import (
    Interpreter,
    InterpreterAbsence,
    Meeting,
    MeetingRequest,
    MeetingTable,
    Registration,
    Slot,
    Unavailability,
)
from app.expo.notifications import notify_side
from app.extensions import db
from app.i18n import _


@dataclass
class Placement:
    slot: Slot
    table: MeetingTable | None
    booth: str | None
    interpreter: Interpreter | None


def languages(request: MeetingRequest) -> tuple[set[str], set[str]]:
    return set(request.company.spoken_languages), {request.buyer.language}


def needs_interpreter(request: MeetingRequest) -> bool:
    supplier, buyer = languages(request)
    return not supplier & buyer


def _busy(slot: Slot, column, value, ignore: int | None) -> bool:
    stmt = select(Meeting.id).where(Meeting.slot_id == slot.id, column == value,
                                    Meeting.status != "no_show")
    if ignore is not None:
        stmt = stmt.where(Meeting.id != ignore)
    return db.session.scalar(stmt) is not None


def _registration(request: MeetingRequest, side: str) -> Registration:
    column = Registration.company_id if side == "supplier" else Registration.buyer_id
    value = request.company_id if side == "supplier" else request.buyer_id
    return db.session.scalar(select(Registration).where(
        Registration.event_id == request.event_id, column == value))


def problems(request: MeetingRequest, placement: Placement, ignore: int | None = None
             ) -> list[str]:
    """Every rule this placement would break (empty when it is fine)."""
    found = []
    slot = placement.slot
    parts = (slot, placement.table, placement.interpreter)
    if any(part is not None and part.event_id != request.event_id for part in parts):
        return [_("The slot, table or interpreter belongs to another event.")]
    supplier_reg, buyer_reg = _registration(request, "supplier"), _registration(request, "buyer")
    for registration in (supplier_reg, buyer_reg):
        if registration is not None and db.session.get(Unavailability,
                                                       (registration.id, slot.id)):
            found.append(_("%(name)s is not available then.", name=registration.display_name))
    if _busy(slot, Meeting.company_id, request.company_id, ignore):
        found.append(_("The supplier already has a meeting in this slot."))
    if _busy(slot, Meeting.buyer_id, request.buyer_id, ignore):
        found.append(_("The buyer already has a meeting in this slot."))
    booth = supplier_reg.booth if supplier_reg is not None else None
    if booth:
        if placement.table is not None:
            found.append(_("This supplier meets at its booth %(booth)s, not at a table.",
                           booth=booth))
    elif placement.table is None:
        found.append(_("A meeting without a booth needs a table."))
    elif _busy(slot, Meeting.table_id, placement.table.id, ignore):
        found.append(_("Table %(table)s is taken in this slot.", table=placement.table.name))
    interpreter = placement.interpreter
    if needs_interpreter(request):
        supplier_langs, buyer_langs = languages(request)
        if interpreter is None:
            found.append(_("The two sides share no language: an interpreter is needed."))
        else:
            spoken = set(interpreter.language_codes)
            if not (spoken & supplier_langs and spoken & buyer_langs):
                found.append(_("%(name)s does not speak a language of each side.",
                               name=interpreter.name))
            if db.session.get(InterpreterAbsence, (interpreter.id, slot.id)):
                found.append(_("%(name)s is not available then.", name=interpreter.name))
            if _busy(slot, Meeting.interpreter_id, interpreter.id, ignore):
                found.append(_("%(name)s already interprets in this slot.",
                               name=interpreter.name))
    elif interpreter is not None:
        found.append(_("The two sides share a language: no interpreter is needed."))
    return found


def first_fit(request: MeetingRequest, slot: Slot) -> Placement:
    """The booth, or the first free table, and an interpreter when one is needed."""
    registration = _registration(request, "supplier")
    booth = registration.booth if registration is not None else None
    table = None
    if not booth:
        table = next((t for t in request.event.tables
                      if not _busy(slot, Meeting.table_id, t.id, None)), None)
    interpreter = None
    if needs_interpreter(request):
        supplier, buyer = languages(request)
        interpreter = next((
            i for i in request.event.interpreters
            if set(i.language_codes) & supplier and set(i.language_codes) & buyer
            and not db.session.get(InterpreterAbsence, (i.id, slot.id))
            and not _busy(slot, Meeting.interpreter_id, i.id, None)), None)
    return Placement(slot, table, booth, interpreter)


def book(request: MeetingRequest, slot: Slot, by: User) -> Meeting:
    """Place an accepted request in a slot a participant picked; exactly one of two people
    taking the same slot at the same moment succeeds (unique constraints decide)."""
    side_of(by, request.buyer, request.company)
    if slot.event_id != request.event_id:
        raise NotFound()
    if request.status != "accepted" or request.meeting is not None:
        raise InvalidPlacement(rule=_("the request is not an accepted, unscheduled one"))
    for side in ("supplier", "buyer"):
        registration = _registration(request, side)
        if registration is not None and db.session.get(Unavailability,
                                                       (registration.id, slot.id)):
            raise SlotUnavailable()
    def taken() -> bool:  # asked again after each step: another booking may have landed
        return _busy(slot, Meeting.company_id, request.company_id, None) or \
            _busy(slot, Meeting.buyer_id, request.buyer_id, None)

    if taken():
        raise SlotTaken()
    placement = first_fit(request, slot)
    if placement.table is None and not placement.booth:
        raise SlotTaken()
    if placement.interpreter is None and needs_interpreter(request):
        raise NoInterpreter()
    found = problems(request, placement)
    if found:
        raise SlotTaken() if taken() else InvalidPlacement(rule=" ".join(found))
    meeting = Meeting(event_id=request.event_id, request=request, buyer_id=request.buyer_id,
                      company_id=request.company_id, slot=slot, table=placement.table,
                      booth=placement.booth, interpreter=placement.interpreter,
                      confirmed=True)  # a slot a participant took is settled, not a draft
    db.session.add(meeting)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        raise SlotTaken() from error
    return meeting


def book_chosen(request: MeetingRequest, slot: Slot, by: User) -> Meeting:
    """A slot chosen while accepting a request: only where participants book their meetings
    (where the organiser schedules, the page offers no slot and none is taken)."""
    if request.event.booking_mode != "participants":
        raise OrganiserSchedules()
    return book(request, slot, by)


def move(meeting: Meeting, placement: Placement, by: User) -> None:
    """An organiser's manual move, checked against the same rules; calendars update in place."""
    ensure_organiser(by)
    found = problems(meeting.request, placement, ignore=meeting.id)
    if found:
        raise InvalidPlacement(rule=" ".join(found))
    meeting.slot, meeting.table = placement.slot, placement.table
    meeting.booth, meeting.interpreter = placement.booth, placement.interpreter
    meeting.sequence += 1
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        raise SlotTaken() from error
    when = placement.slot.starts_at
    notify_side("meeting_moved", buyer_id=meeting.buyer_id, name=meeting.company.name_ko,
                when=when.isoformat(), link=f"/events/{meeting.event_id}/agenda")
    notify_side("meeting_moved", company_id=meeting.company_id, name=meeting.buyer.company_name,
                when=when.isoformat(), link=f"/events/{meeting.event_id}/agenda")
