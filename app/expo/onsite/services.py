"""On the day: printable agendas, check-in at the entrance, no-shows and the slots they free."""

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import segno
from markupsafe import Markup
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.auth.permissions import ensure_organiser
from app.core.db import utcnow
from app.core.errors import DomainError, NotFound
from app.expo import agenda, participation, placement
from app.expo.meeting_requests import side_of
from app.expo.models import (
    Event,
    Interpreter,
    Meeting,
    MeetingRequest,
    Notification,
    Registration,
    Slot,
)
from app.expo.notifications import notify_side, text
from app.extensions import db
from app.i18n import _, _l


class NotOffered(DomainError):
    message = _l("This slot was not offered to you, or the offer has ended.")


@dataclass
class AgendaItem:
    meeting: Meeting
    starts_at: datetime
    ends_at: datetime
    counterpart: str
    place: str
    interpreter: Interpreter | None


@dataclass
class BoardSlot:
    """One slot of the check-in desk's day: its meetings and who of them has arrived."""

    slot: Slot
    meetings: list[Meeting] = field(default_factory=list)


@dataclass
class Presence:
    buyers: set[int]
    companies: set[int]
    registered: int

    @property
    def checked_in(self) -> int:
        return len(self.buyers) + len(self.companies)


@dataclass
class Offer:
    event_id: int
    request_id: int
    slot_id: int


@dataclass
class NotificationItem:
    notification: Notification
    text: str
    offer: Offer | None


def agenda_registration(event: Event, by: User, own: Registration | None,
                        registration_id: int | None = None) -> Registration | None:
    """The agenda to show: one's own, or for organisers any participant's of this event."""
    if registration_id is None or (own is not None and own.id == registration_id):
        return own
    ensure_organiser(by)
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        raise NotFound()
    return registration


def participants(event: Event) -> list[Registration]:
    """Every registration of the event, for the organisers' agenda chooser."""
    return list(db.session.scalars(select(Registration).where(Registration.event_id == event.id)
                                   .options(selectinload(Registration.buyer),
                                            selectinload(Registration.company))
                                   .order_by(Registration.id)))


def agenda_items(registration: Registration) -> list[AgendaItem]:
    return [AgendaItem(meeting=m, starts_at=m.slot.starts_at,
                       ends_at=m.slot.ends_at,
                       counterpart=agenda.counterpart(m, registration),
                       place=agenda.place(m), interpreter=m.interpreter)
            for m in agenda.meetings_of(registration)]


def check_in_qr(registration: Registration) -> Markup:
    """The check-in code as an inline SVG QR code (no inline styles: the CSP forbids them)."""
    code = segno.make(registration.check_in_code, micro=False, error="m")
    svg = code.svg_inline(border=2, omitsize=True, svgclass="qr",
                          title=_("Check-in code %(code)s", code=registration.check_in_code))
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))


def registration_by_token(token: str) -> Registration | None:
    return db.session.scalar(select(Registration).where(Registration.calendar_token == token))


def _local_day(slot: Slot, zone: ZoneInfo) -> date:
    return slot.starts_at.astimezone(zone).date()


def day_of(slot: Slot) -> date:
    """The slot's day in its event's time zone."""
    return _local_day(slot, ZoneInfo(slot.event.timezone))


def event_days(event: Event) -> list[date]:
    """The days that have slots, in the event's time zone."""
    zone = ZoneInfo(event.timezone)
    return sorted({_local_day(slot, zone) for slot in event.slots})


def board_day(event: Event, wanted: date | None, today: date | None = None) -> date | None:
    """The day the check-in desk shows: the one asked for, else today, else the first."""
    days = event_days(event)
    if not days:
        return None
    today = today or utcnow().astimezone(ZoneInfo(event.timezone)).date()
    for candidate in (wanted, today):
        if candidate in days:
            return candidate
    return days[0]


def day_board(event: Event, day: date | None) -> list[BoardSlot]:
    """The day's slots with their meetings, earliest first."""
    if day is None:
        return []
    zone = ZoneInfo(event.timezone)
    board = {slot.id: BoardSlot(slot) for slot in event.slots if _local_day(slot, zone) == day}
    for meeting in db.session.scalars(
            select(Meeting).where(Meeting.slot_id.in_(board))
            .options(selectinload(Meeting.buyer), selectinload(Meeting.company),
                     selectinload(Meeting.table), selectinload(Meeting.interpreter))
            .order_by(Meeting.table_id, Meeting.booth)):
        board[meeting.slot_id].meetings.append(meeting)
    return list(board.values())


def presence(event: Event) -> Presence:
    registrations = db.session.scalars(select(Registration).where(
        Registration.event_id == event.id)).all()
    arrived = [r for r in registrations if r.checked_in_at is not None]
    return Presence(buyers={r.buyer_id for r in arrived if r.buyer_id},
                    companies={r.company_id for r in arrived if r.company_id},
                    registered=len(registrations))


def report_no_show(meeting: Meeting, by: User) -> int:
    """Mark the meeting a no-show and offer its slot to present pairs; how many were offered.

    Marking it again offers nothing new."""
    if meeting.status == "no_show":
        ensure_organiser(by)
        return 0
    participation.mark_no_show(meeting, by)
    return offer_freed_slot(meeting)


def offer_freed_slot(meeting: Meeting) -> int:
    """Offer the no-show's slot to every accepted, unscheduled pair whose two sides are checked
    in and who could meet in it (both free and available, a table or booth and any interpreter
    needed to hand); both sides of each pair are notified. The first to take it gets it."""
    slot = meeting.slot
    present = presence(db.session.get(Event, meeting.event_id))
    if not present.buyers or not present.companies:
        return 0
    candidates = db.session.scalars(select(MeetingRequest).where(
        MeetingRequest.event_id == meeting.event_id, MeetingRequest.status == "accepted",
        ~MeetingRequest.meeting.has(), MeetingRequest.buyer_id.in_(present.buyers),
        MeetingRequest.company_id.in_(present.companies))
        .options(selectinload(MeetingRequest.buyer), selectinload(MeetingRequest.company))
        .order_by(MeetingRequest.priority.desc(), MeetingRequest.id)).all()
    offers = 0
    when = slot.starts_at.isoformat()
    for request in candidates:
        if placement.problems(request, placement.first_fit(request, slot)):
            continue
        offer = {"event_id": request.event_id, "request_id": request.id, "slot_id": slot.id,
                 "when": when, "link": f"/events/{request.event_id}/agenda"}
        notify_side("slot_freed", buyer_id=request.buyer_id,
                    name=request.company.name_en or request.company.name_ko, **offer)
        notify_side("slot_freed", company_id=request.company_id,
                    name=request.buyer.company_name, **offer)
        offers += 1
    db.session.flush()
    return offers


def _offered(user: User, request_id: int, slot_id: int) -> bool:
    for params in db.session.scalars(select(Notification.params).where(
            Notification.user_id == user.id, Notification.kind == "slot_freed")):
        offer = params or {}
        if offer.get("request_id") == request_id and offer.get("slot_id") == slot_id:
            return True
    return False


def take_freed_slot(request: MeetingRequest, slot: Slot, by: User) -> Meeting:
    """Book a slot offered after a no-show (SlotTaken if another pair was faster)."""
    if request.event_id != slot.event_id:
        raise NotFound()
    side_of(by, request.buyer, request.company)  # 403 for anyone but the pair and organisers
    if not by.is_organiser and not _offered(by, request.id, slot.id):
        raise NotOffered()
    meeting = placement.book(request, slot, by)
    meeting.confirmed = True
    when = slot.starts_at.isoformat()
    link = f"/events/{request.event_id}/agenda"
    notify_side("meeting_scheduled", buyer_id=request.buyer_id, when=when, link=link,
                name=request.company.name_en or request.company.name_ko)
    notify_side("meeting_scheduled", company_id=request.company_id, when=when, link=link,
                name=request.buyer.company_name)
    db.session.flush()
    return meeting


def notifications_of(user: User, limit: int = 50) -> list[NotificationItem]:
    """The user's latest notifications, worded in the current language; freed slots that are
    still open carry their offer."""
    notifications = db.session.scalars(select(Notification).where(
        Notification.user_id == user.id).order_by(Notification.created_at.desc(),
                                                  Notification.id.desc()).limit(limit)).all()
    items = []
    for notification in notifications:
        offer = None
        if notification.kind == "slot_freed":
            params = notification.params or {}
            request = db.session.get(MeetingRequest, params.get("request_id") or 0)
            if request is not None and request.status == "accepted" and request.meeting is None:
                offer = Offer(params["event_id"], params["request_id"], params["slot_id"])
        items.append(NotificationItem(notification, text(notification), offer))
    return items


def mark_all_read(user: User) -> int:
    """Mark the user's unread notifications read; how many there were."""
    result = db.session.execute(update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow()))
    db.session.flush()
    return result.rowcount
