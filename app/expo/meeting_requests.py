"""Meeting requests: asking, answering, limits, expiry and organisers' proposals."""

from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.auth.models import User
from app.auth.permissions import can_edit_buyer, can_edit_company, ensure_organiser
from app.buyers.models import Buyer
from app.catalogue.models import Company
from app.core.db import utcnow
from app.core.errors import Forbidden
from app.expo.errors import DuplicateRequest, NotRegistered, RequestClosed, RequestLimitReached
from app.expo.models import Event, MeetingRequest, Registration
from app.expo.notifications import notify_side
from app.expo.participation import registration_of
from app.extensions import db
from app.matching import services as matching
from app.matching.models import MatchRun, Preference

# Request weights for the scheduler: what the two sides said of the pair.
PREFERENCE_WEIGHT = {Preference.MUST_MEET: 3.0, Preference.MEET: 2.0}
ORGANISER_PICK_WEIGHT = 1.5


def side_of(user: User, buyer: Buyer, company: Company) -> str:
    """Which side `user` acts for in this pair: buyer, supplier or organiser."""
    if user.is_organiser:
        return "organiser"
    if user.is_buyer and can_edit_buyer(user, buyer.id):
        return "buyer"
    if user.is_supplier and can_edit_company(user, company.id):
        return "supplier"
    raise Forbidden()


def pair_weight(event: Event, buyer_id: int, company_id: int) -> float:
    """1 for a plain request, more where either side said Meet / Must meet or the organisers'
    published pre-matching picked the pair."""
    choices = matching.pair_choices(buyer_id, company_id)
    weight = max([1.0, *(PREFERENCE_WEIGHT.get(Preference(c), 1.0) for c in choices
                         if c in PREFERENCE_WEIGHT)])
    picked = company_id in matching.published_picks(buyer_id=buyer_id)
    return weight + (ORGANISER_PICK_WEIGHT if picked else 0.0)


def request_meeting(event: Event, buyer: Buyer, company: Company, by: User,
                    message: str = "") -> MeetingRequest:
    side = side_of(by, buyer, company)
    if registration_of(event, buyer=buyer) is None or \
            registration_of(event, company=company) is None:
        raise NotRegistered()
    existing = db.session.scalar(select(MeetingRequest).where(
        MeetingRequest.event_id == event.id, MeetingRequest.buyer_id == buyer.id,
        MeetingRequest.company_id == company.id))
    if existing is not None and existing.status not in ("expired", "cancelled"):
        raise DuplicateRequest()
    if side != "organiser":
        asker = MeetingRequest.buyer_id == buyer.id if side == "buyer" else \
            MeetingRequest.company_id == company.id
        made = db.session.scalar(select(func.count(MeetingRequest.id)).where(
            MeetingRequest.event_id == event.id, MeetingRequest.requested_by == side, asker,
            MeetingRequest.status.in_(("pending", "accepted"))))
        if made >= event.max_requests:
            raise RequestLimitReached(limit=event.max_requests)
    request = existing or MeetingRequest(event_id=event.id, buyer_id=buyer.id,
                                         company_id=company.id)
    request.requested_by, request.message = side, message
    request.status, request.decline_reason, request.responded_at = "pending", None, None
    request.priority = pair_weight(event, buyer.id, company.id)
    request.expires_at = utcnow() + timedelta(hours=event.request_expiry_hours)
    if existing is None:
        db.session.add(request)
    if event.auto_accept:
        request.status, request.responded_at = "accepted", utcnow()
    db.session.flush()
    if side in ("buyer", "organiser"):
        notify_side("request_received", company_id=company.id, name=buyer.company_name,
                    link=f"/events/{event.id}/requests")
    if side in ("supplier", "organiser"):
        notify_side("request_received", buyer_id=buyer.id, name=company.name_en or
                    company.name_ko, link=f"/events/{event.id}/requests")
    return request


def answerer(request: MeetingRequest) -> str:
    return {"buyer": "supplier", "supplier": "buyer"}.get(request.requested_by, "either")


def respond(request: MeetingRequest, by: User, *, accept: bool, reason: str = "") -> None:
    """The other side accepts or declines (organisers may answer for either side)."""
    side = side_of(by, request.buyer, request.company)
    wanted = answerer(request)
    if side != "organiser" and wanted not in (side, "either"):
        raise Forbidden()
    if request.status != "pending":
        raise RequestClosed()
    if request.expires_at is not None and request.expires_at <= utcnow():
        request.status = "expired"
        db.session.flush()
        raise RequestClosed()
    request.responded_at = utcnow()
    if accept:
        request.status = "accepted"
    else:
        request.status, request.decline_reason = "declined", reason.strip()[:500]
        matching.record_decline(request.buyer, request.company,
                                side="supplier" if side == "supplier" else "buyer")
    kind = "request_accepted" if accept else "request_declined"
    if request.requested_by == "buyer":
        notify_side(kind, buyer_id=request.buyer_id, name=request.company.name_en or
                    request.company.name_ko, link=f"/events/{request.event_id}/requests")
    else:
        notify_side(kind, company_id=request.company_id, name=request.buyer.company_name,
                    link=f"/events/{request.event_id}/requests")
    db.session.flush()


def expire_and_remind(now: datetime | None = None) -> tuple[int, int]:
    """Expire overdue pending requests; remind answerers of those expiring within a day."""
    now = now or utcnow()
    expired = reminded = 0
    for request in db.session.scalars(select(MeetingRequest).where(
            MeetingRequest.status == "pending", MeetingRequest.expires_at.is_not(None))):
        due = request.expires_at
        if due <= now:
            request.status = "expired"
            expired += 1
        elif due - now <= timedelta(hours=24) and request.reminded_at is None:
            request.reminded_at = now
            target = {"company_id": request.company_id} if answerer(request) == "supplier" \
                else {"buyer_id": request.buyer_id}
            notify_side("request_expiring", name=request.buyer.company_name
                        if "company_id" in target else request.company.name_ko,
                        link=f"/events/{request.event_id}/requests", **target)
            reminded += 1
    db.session.flush()
    return expired, reminded


def propose_from_prematching(event: Event, run: MatchRun, by: User) -> int:
    """Turn a published pre-matching into proposals between registered participants."""
    ensure_organiser(by)
    created = 0
    for result in run.results:
        buyer, company = result.buyer, result.company
        if company.id in matching.excluded_companies(buyer.id):  # "No thanks" since the run
            continue
        if registration_of(event, buyer=buyer) is None or \
                registration_of(event, company=company) is None:
            continue
        exists = db.session.scalar(select(MeetingRequest.id).where(
            MeetingRequest.event_id == event.id, MeetingRequest.buyer_id == buyer.id,
            MeetingRequest.company_id == company.id))
        if exists is None:
            request_meeting(event, buyer, company, by)
            created += 1
    return created


def event_context(**side) -> tuple[Event | None, set[int], dict[int, str]]:
    """The latest event this buyer or company (`buyer_id=` or `company_id=`) is registered
    for, who else is there, and the status of the meeting requests already made with them (one
    per pair and event): for the matching pages, which read no expo table."""
    (key, value), = side.items()
    event = db.session.scalar(select(Event).join(Registration).where(
        getattr(Registration, key) == value).order_by(Event.starts_on.desc()).limit(1))
    if event is None:
        return None, set(), {}
    counterpart = "company_id" if key == "buyer_id" else "buyer_id"
    at_event = set(db.session.scalars(select(getattr(Registration, counterpart)).where(
        Registration.event_id == event.id, getattr(Registration, counterpart).is_not(None))))
    requested = dict(db.session.execute(select(
        getattr(MeetingRequest, counterpart), MeetingRequest.status).where(
        MeetingRequest.event_id == event.id, getattr(MeetingRequest, key) == value)).all())
    return event, at_event, requested
