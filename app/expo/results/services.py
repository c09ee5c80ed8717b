"""After each meeting: its outcome, the deal it leads to, and the event's results in figures."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.numbers import list_currencies
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.auth.permissions import can_edit_buyer, can_edit_company, ensure_organiser
from app.core.db import utcnow
from app.core.errors import DomainError, Forbidden
from app.expo.models import Deal, Event, Meeting, MeetingRequest, Outcome, Registration
from app.expo.notifications import notify_side
from app.extensions import db
from app.i18n import _l
from app.matching import services as matching

REMINDER_MONTHS = (3, 6)


class UnknownCurrency(DomainError):
    status = 400
    message = _l("Unknown currency code: use three letters such as USD, KRW or EUR.")


def _ensure_party(user: User, buyer_id: int, company_id: int) -> None:
    if not (user.is_organiser or can_edit_buyer(user, buyer_id)
            or can_edit_company(user, company_id)):
        raise Forbidden()


def record_outcome(meeting: Meeting, by: User, *, held: bool, satisfaction: int | None,
                   notes: str = "") -> Outcome:
    _ensure_party(by, meeting.buyer_id, meeting.company_id)
    outcome = meeting.outcome or Outcome(meeting=meeting)
    outcome.held, outcome.satisfaction, outcome.notes = held, satisfaction, notes.strip()
    outcome.recorded_at = utcnow()
    meeting.status = "held" if held else "no_show"
    db.session.add(outcome)
    db.session.flush()
    return outcome


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, 28))


def save_deal(event: Event, by: User, *, buyer_id: int, company_id: int, stage: str,
              value: Decimal | None, currency: str) -> Deal:
    """Create or update the pair's deal; reminders follow 3 and 6 months after the show."""
    _ensure_party(by, buyer_id, company_id)
    currency = currency.strip().upper()
    if currency not in list_currencies():
        raise UnknownCurrency()
    deal = db.session.scalar(select(Deal).where(
        Deal.event_id == event.id, Deal.buyer_id == buyer_id, Deal.company_id == company_id))
    if deal is None:
        deal = Deal(event_id=event.id, buyer_id=buyer_id, company_id=company_id,
                    next_reminder_on=add_months(event.ends_on, REMINDER_MONTHS[0]))
        db.session.add(deal)
    deal.stage, deal.value, deal.currency = stage, value, currency
    deal.via_prematching = company_id in matching.published_picks(buyer_id=buyer_id)
    db.session.flush()
    return deal


def due_reminders(today: date) -> list[Deal]:
    """Deals whose 3- or 6-month reminder is due; moves each to its next reminder."""
    due = list(db.session.scalars(select(Deal).where(Deal.next_reminder_on <= today)))
    for deal in due:
        notify_side("deal_reminder", buyer_id=deal.buyer_id, name=deal.company.name_en or
                    deal.company.name_ko, link=f"/events/{deal.event_id}/deals")
        notify_side("deal_reminder", company_id=deal.company_id, name=deal.buyer.company_name,
                    link=f"/events/{deal.event_id}/deals")
        event = db.session.get(Event, deal.event_id)
        later = add_months(event.ends_on, REMINDER_MONTHS[1])
        deal.next_reminder_on = later if deal.next_reminder_on < later else None
    db.session.flush()
    return due


def to_usd(value: Decimal | None, currency: str) -> Decimal:
    """Organiser-maintained rates (EXCHANGE_RATES_TO_USD): no rate service is reachable."""
    if value is None:
        return Decimal(0)
    rate = current_app.config["EXCHANGE_RATES_TO_USD"].get(currency)
    return (value * Decimal(str(rate))).quantize(Decimal("0.01")) if rate else Decimal(0)


@dataclass
class Breakdown:
    meetings: int = 0
    held: int = 0
    mous: int = 0
    value_usd: Decimal = Decimal(0)


@dataclass
class Dashboard:
    suppliers: int = 0
    buyers: int = 0
    requested: int = 0
    accepted: int = 0
    scheduled: int = 0
    held: int = 0
    no_shows: int = 0
    mous: int = 0
    mou_value_usd: Decimal = Decimal(0)
    prematched_mous: int = 0
    satisfaction: dict[int, int] = field(default_factory=dict)
    by_country: dict[str, Breakdown] = field(default_factory=dict)
    by_category: dict[str, Breakdown] = field(default_factory=dict)
    by_day: dict[date, Breakdown] = field(default_factory=dict)
    unconverted: set[str] = field(default_factory=set)

    @property
    def no_show_rate(self) -> float:
        ended = self.held + self.no_shows
        return self.no_shows / ended if ended else 0.0

    @property
    def average_satisfaction(self) -> float | None:
        total = sum(self.satisfaction.values())
        return sum(k * v for k, v in self.satisfaction.items()) / total if total else None


def dashboard(event: Event, by: User) -> Dashboard:
    """Every figure of the results wall, computed from the event's records."""
    ensure_organiser(by)
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    out = Dashboard()
    registrations = db.session.scalars(select(Registration).where(
        Registration.event_id == event.id)).all()
    out.suppliers = sum(1 for r in registrations if r.company_id)
    out.buyers = sum(1 for r in registrations if r.buyer_id)
    statuses = Counter(db.session.scalars(select(MeetingRequest.status).where(
        MeetingRequest.event_id == event.id)))
    out.requested = sum(statuses.values())
    out.accepted = statuses["accepted"]
    meetings = db.session.scalars(select(Meeting).where(Meeting.event_id == event.id).options(
        selectinload(Meeting.slot), selectinload(Meeting.outcome), selectinload(Meeting.buyer),
        selectinload(Meeting.company))).all()
    deals = {(d.buyer_id, d.company_id): d for d in db.session.scalars(
        select(Deal).where(Deal.event_id == event.id))}
    out.scheduled = len(meetings)
    for meeting in meetings:
        day = meeting.slot.starts_at.astimezone(zone).date()
        chapter = _category(meeting)
        groups = [out.by_country.setdefault(meeting.buyer.country, Breakdown()),
                  out.by_category.setdefault(chapter, Breakdown()),
                  out.by_day.setdefault(day, Breakdown())]
        held = meeting.status == "held"
        out.held += held
        out.no_shows += meeting.status == "no_show"
        if meeting.outcome is not None and meeting.outcome.satisfaction:
            out.satisfaction[meeting.outcome.satisfaction] = \
                out.satisfaction.get(meeting.outcome.satisfaction, 0) + 1
        for group in groups:
            group.meetings += 1
            group.held += held
    for (buyer_id, company_id), deal in deals.items():
        if deal.stage not in ("mou", "order"):
            continue
        value = to_usd(deal.value, deal.currency)
        if deal.value and not value:
            out.unconverted.add(deal.currency)
        out.mous += 1
        out.mou_value_usd += value
        out.prematched_mous += deal.via_prematching
        meeting = next((m for m in meetings if (m.buyer_id, m.company_id) ==
                        (buyer_id, company_id)), None)
        if meeting is not None:
            day = meeting.slot.starts_at.astimezone(zone).date()
            for group in (out.by_country[meeting.buyer.country],
                          out.by_category[_category(meeting)], out.by_day[day]):
                group.mous += 1
                group.value_usd += value
    return out


def _category(meeting: Meeting) -> str:
    """The supplier's HS chapter (its most common among its products), or "" if none."""
    chapters = Counter(p.hs_code[:2] for p in meeting.company.products if p.hs_code)
    return chapters.most_common(1)[0][0] if chapters else ""
