"""Consultation desks (export, legal, logistics experts) and the slots SMEs book with them."""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.auth.models import User
from app.auth.permissions import ensure_company_editor
from app.catalogue.models import Company
from app.core.errors import NotFound
from app.expo.errors import NotRegistered, SlotTaken
from app.expo.models import Consultation, ConsultationDesk, Event, Slot
from app.expo.participation import registration_of
from app.extensions import db


def bookings(event: Event) -> dict[tuple[int, int], Consultation]:
    """(desk id, slot id) -> booking."""
    rows = db.session.scalars(select(Consultation).join(ConsultationDesk).where(
        ConsultationDesk.event_id == event.id))
    return {(c.desk_id, c.slot_id): c for c in rows}


def book(desk: ConsultationDesk, slot: Slot, company: Company, by: User,
         question: str = "") -> Consultation:
    """One company per desk slot, one desk per company and slot: the database decides."""
    ensure_company_editor(by, company.id)
    if slot.event_id != desk.event_id:  # ids from a URL or form belong to their parent
        raise NotFound()
    event = db.session.get(Event, desk.event_id)
    if registration_of(event, company=company) is None:
        raise NotRegistered()
    consultation = Consultation(desk_id=desk.id, slot_id=slot.id, company_id=company.id,
                                question=question.strip()[:1000])
    db.session.add(consultation)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        raise SlotTaken() from error
    return consultation


def cancel(consultation: Consultation, by: User) -> None:
    ensure_company_editor(by, consultation.company_id)
    db.session.delete(consultation)
    db.session.flush()
