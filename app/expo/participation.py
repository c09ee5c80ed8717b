"""Taking part: registration, unavailable slots, check-in and no-shows."""

from sqlalchemy import select

from app.auth.models import User
from app.auth.permissions import ensure_buyer_editor, ensure_company_editor, ensure_organiser
from app.buyers.models import Buyer
from app.catalogue.models import Company
from app.core.db import utcnow
from app.expo.errors import UnknownCheckInCode
from app.expo.models import Event, Meeting, Registration, Unavailability
from app.extensions import db


def registration_of(event: Event, *, company: Company | None = None,
                    buyer: Buyer | None = None) -> Registration | None:
    stmt = select(Registration).where(Registration.event_id == event.id)
    if company is not None:
        return db.session.scalar(stmt.where(Registration.company_id == company.id))
    return db.session.scalar(stmt.where(Registration.buyer_id == buyer.id))


def register(event: Event, by: User, *, company: Company | None = None,
             buyer: Buyer | None = None, booth: str | None = None,
             public: bool = True) -> Registration:
    """Register a supplier or buyer (idempotent); suppliers and buyers register themselves."""
    if company is not None:
        ensure_company_editor(by, company.id)
    else:
        ensure_buyer_editor(by, buyer.id)
    existing = registration_of(event, company=company, buyer=buyer)
    if existing is not None:
        existing.public = public
        if booth is not None and by.is_organiser:
            existing.booth = booth or None
        db.session.flush()
        return existing
    registration = Registration(event_id=event.id, company_id=company.id if company else None,
                                buyer_id=buyer.id if buyer else None, public=public,
                                booth=(booth or None) if by.is_organiser else None)
    db.session.add(registration)
    db.session.flush()
    return registration


def set_unavailable(registration: Registration, slot_ids: set[int], by: User) -> None:
    _ensure_own(registration, by)
    valid = {slot.id for slot in registration.event.slots}
    wanted = slot_ids & valid
    registration.unavailable = [u for u in registration.unavailable if u.slot_id in wanted]
    have = {u.slot_id for u in registration.unavailable}
    registration.unavailable += [Unavailability(slot_id=s) for s in sorted(wanted - have)]
    db.session.flush()


def _ensure_own(registration: Registration, by: User) -> None:
    if registration.company_id:
        ensure_company_editor(by, registration.company_id)
    else:
        ensure_buyer_editor(by, registration.buyer_id)


def check_in(event: Event, code: str, by: User) -> Registration:
    """Organisers at the entrance scan or type the code printed on the agenda."""
    ensure_organiser(by)
    registration = db.session.scalar(select(Registration).where(
        Registration.event_id == event.id,
        Registration.check_in_code == code.strip().upper()))
    if registration is None:
        raise UnknownCheckInCode()
    if registration.checked_in_at is None:
        registration.checked_in_at = utcnow()
    db.session.flush()
    return registration


def public_participants(event: Event) -> list[Registration]:
    """Those who chose to appear in the public participant lists."""
    return list(db.session.scalars(select(Registration).where(
        Registration.event_id == event.id, Registration.public.is_(True))))


def mark_no_show(meeting: Meeting, by: User) -> None:
    ensure_organiser(by)
    meeting.status = "no_show"
    meeting.sequence += 1  # calendars replace it with its cancellation (agenda.calendar)
    db.session.flush()
