"""What the results pages read: a pair's deal, a participant's deals and open outcomes, and the
organisers' one-row-per-meeting export."""

from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import false, select, true
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.auth.permissions import can_edit_buyer, can_edit_company, ensure_organiser
from app.core.errors import Forbidden
from app.expo.models import Deal, Event, Meeting, Slot
from app.expo.results.services import to_usd
from app.extensions import db
from app.i18n import localized
from app.spreadsheets.tabular import write_csv, write_xlsx

EXPORT_COLUMNS = ["slot_start", "buyer", "buyer_country", "supplier_ref", "supplier_name",
                  "table_or_booth", "interpreter", "status", "held", "satisfaction",
                  "deal_stage", "deal_value", "currency", "value_usd"]


@dataclass
class DealLine:
    deal: Deal
    meeting: Meeting | None
    value_usd: Decimal | None  # None: no value, or no configured rate for its currency


def ensure_party(meeting: Meeting, by: User) -> None:
    """Either side of the meeting or an organiser: the rule results.record_outcome applies."""
    if not (by.is_authenticated and (by.is_organiser or can_edit_buyer(by, meeting.buyer_id)
                                     or can_edit_company(by, meeting.company_id))):
        raise Forbidden()


def deal_of(meeting: Meeting) -> Deal | None:
    return db.session.scalar(select(Deal).where(
        Deal.event_id == meeting.event_id, Deal.buyer_id == meeting.buyer_id,
        Deal.company_id == meeting.company_id))


def _mine(model, by: User):
    """Condition on `model` (Deal or Meeting): all for organisers, else the user's side."""
    if by.is_organiser:
        return true()
    if by.is_supplier and by.company_id:
        return model.company_id == by.company_id
    if by.is_buyer and by.buyer_id:
        return model.buyer_id == by.buyer_id
    return false()


def usd_value(deal: Deal) -> Decimal | None:
    if deal.value is None or deal.currency not in current_app.config["EXCHANGE_RATES_TO_USD"]:
        return None
    return to_usd(deal.value, deal.currency)


def _meetings(event: Event, by: User) -> list[Meeting]:
    return list(db.session.scalars(
        select(Meeting).join(Meeting.slot).where(Meeting.event_id == event.id, _mine(Meeting, by))
        .options(selectinload(Meeting.slot), selectinload(Meeting.outcome),
                 selectinload(Meeting.buyer), selectinload(Meeting.company),
                 selectinload(Meeting.table), selectinload(Meeting.interpreter))
        .order_by(Slot.starts_at, Meeting.id)))


def deals_for(event: Event, by: User) -> list[DealLine]:
    """The user's deals at the event (organisers: every deal), latest change first."""
    meetings = {(m.buyer_id, m.company_id): m for m in _meetings(event, by)}
    deals = db.session.scalars(
        select(Deal).where(Deal.event_id == event.id, _mine(Deal, by))
        .options(selectinload(Deal.buyer), selectinload(Deal.company))
        .order_by(Deal.updated_at.desc(), Deal.id.desc()))
    return [DealLine(deal, meetings.get((deal.buyer_id, deal.company_id)), usd_value(deal))
            for deal in deals]


def awaiting_outcome(event: Event, by: User) -> list[Meeting]:
    """The user's meetings (organisers: all) that nobody has recorded an outcome for."""
    return [m for m in _meetings(event, by) if m.outcome is None]


def meeting_rows(event: Event, by: User) -> list[list[object]]:
    """One row per meeting in EXPORT_COLUMNS order; times in the event's time zone."""
    ensure_organiser(by)
    zone = ZoneInfo(event.timezone)
    deals = {(d.buyer_id, d.company_id): d for d in db.session.scalars(
        select(Deal).where(Deal.event_id == event.id))}
    rows = []
    for meeting in _meetings(event, by):
        deal, outcome = deals.get((meeting.buyer_id, meeting.company_id)), meeting.outcome
        place = meeting.booth or (meeting.table.name if meeting.table else "")
        value_usd = usd_value(deal) if deal else None
        rows.append([
            meeting.slot.starts_at.astimezone(zone).isoformat(timespec="minutes"),
            meeting.buyer.company_name, meeting.buyer.country, meeting.company.supplier_ref,
            localized(meeting.company, "name"), place,
            meeting.interpreter.name if meeting.interpreter else "", meeting.status,
            "" if outcome is None else ("yes" if outcome.held else "no"),
            outcome.satisfaction if outcome and outcome.satisfaction else "",
            deal.stage if deal else "", deal.value if deal and deal.value is not None else "",
            deal.currency if deal else "", "" if value_usd is None else value_usd])
    return rows


def export_meetings(event: Event, by: User, file_format: str) -> bytes:
    rows = meeting_rows(event, by)
    if file_format == "xlsx":
        return write_xlsx(EXPORT_COLUMNS, rows, title="meetings")
    return write_csv(EXPORT_COLUMNS, rows)
