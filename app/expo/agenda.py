"""Agendas: a participant's meetings, on the page and as an iCalendar file or feed."""

from icalendar import Calendar
from icalendar import Event as CalendarEvent
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.expo.models import Consultation, Event, Meeting, Registration, Slot
from app.extensions import db
from app.i18n import _, localized


def meetings_of(registration: Registration) -> list[Meeting]:
    side = Meeting.company_id == registration.company_id if registration.company_id else \
        Meeting.buyer_id == registration.buyer_id
    return list(db.session.scalars(
        select(Meeting).where(Meeting.event_id == registration.event_id, side)
        .options(selectinload(Meeting.slot), selectinload(Meeting.table),
                 selectinload(Meeting.interpreter), selectinload(Meeting.buyer),
                 selectinload(Meeting.company))
        .join(Meeting.slot).order_by(Slot.starts_at)))


def consultations_of(registration: Registration) -> list[Consultation]:
    if not registration.company_id:
        return []
    return list(db.session.scalars(select(Consultation).where(
        Consultation.company_id == registration.company_id,
        Consultation.desk.has(event_id=registration.event_id))))


def place(meeting: Meeting) -> str:
    if meeting.booth:
        return _("Booth %(booth)s", booth=meeting.booth)
    if meeting.table is not None:
        zone = f" ({meeting.table.zone})" if meeting.table.zone else ""
        return _("Table %(table)s", table=meeting.table.name) + zone
    return ""


def counterpart(meeting: Meeting, registration: Registration) -> str:
    if registration.company_id:
        return meeting.buyer.company_name
    return localized(meeting.company, "name")


def calendar(registration: Registration, event: Event) -> bytes:
    """Every settled meeting with a stable UID and its SEQUENCE, so a moved meeting updates in
    place. A draft schedule (not yet published: a re-run may still move or drop it) is left
    out: people save what a calendar shows."""
    cal = Calendar()
    cal.add("prodid", "-//ExpoMatch//Agenda//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", localized(event, "name"))
    for meeting in meetings_of(registration):
        if not meeting.confirmed:
            continue
        entry = CalendarEvent()
        entry.add("uid", meeting.uid)
        entry.add("sequence", meeting.sequence)
        entry.add("dtstamp", meeting.updated_at)
        entry.add("dtstart", meeting.slot.starts_at)
        entry.add("dtend", meeting.slot.ends_at)
        entry.add("summary", _("Meeting with %(name)s", name=counterpart(meeting, registration)))
        entry.add("location", ", ".join(filter(None, [localized(event, "venue"),
                                                      place(meeting)])))
        lines = [place(meeting)]
        if meeting.interpreter is not None:
            lines.append(_("Interpreter: %(name)s", name=meeting.interpreter.name))
        entry.add("description", "\n".join(filter(None, lines)))
        entry.add("status", "CANCELLED" if meeting.status == "no_show" else "CONFIRMED")
        cal.add_component(entry)
    return cal.to_ical()
