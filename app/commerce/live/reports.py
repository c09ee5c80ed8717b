"""Live sessions in figures (viewers, messages, orders, revenue), the chat transcript, and a
buyer's question turned into a meeting request with the supplier."""

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.buyers.models import Buyer
from app.commerce.live.models import LiveMessage, LiveSession, LiveViewer
from app.commerce.live.services import count_messages, ensure_moderator
from app.commerce.market.models import MarketListing, MarketOrder
from app.commerce.market.orders import Sales, sales_rows
from app.core.errors import Forbidden
from app.expo import meeting_requests, participation
from app.expo.models import MeetingRequest
from app.extensions import db
from app.i18n import _, localized
from app.spreadsheets.tabular import write_csv, write_xlsx

TRANSCRIPT_COLUMNS = ["id", "time", "kind", "author", "role", "reply_to_id", "message", "hidden",
                      "pinned"]


def record_viewer(session: LiveSession, user: User, anonymous_key: str | None) -> bool:
    """Count who opened the page, once per session; True the first time."""
    if user.is_authenticated:
        key, user_id = f"u{user.id}", user.id
    elif anonymous_key:
        key, user_id = f"a{anonymous_key}"[:40], None
    else:
        return False
    if db.session.get(LiveViewer, (session.id, key)) is not None:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(LiveViewer(session_id=session.id, viewer_key=key, user_id=user_id))
    except IntegrityError:  # the same viewer in another tab at the same moment
        return False
    return True


@dataclass
class LiveReport:
    viewers: int = 0
    signed_in_viewers: int = 0
    messages: dict[str, int] = field(default_factory=dict)
    hidden: int = 0
    sales: Sales = field(default_factory=Sales)
    per_listing: list[tuple[MarketListing, Sales]] = field(default_factory=list)

    @property
    def total_messages(self) -> int:
        return sum(self.messages.values())


def session_report(session: LiveSession, by: User) -> LiveReport:
    """Viewers and messages of the session; orders of its featured products placed while it
    ran (picked-up orders are revenue, reserved ones are still open, as in the market)."""
    ensure_moderator(by, session)
    report = LiveReport(messages=count_messages(session))
    report.viewers, report.signed_in_viewers = db.session.execute(
        select(func.count(), func.count(LiveViewer.user_id))
        .where(LiveViewer.session_id == session.id)).one()
    report.hidden = db.session.scalar(select(func.count(LiveMessage.id)).where(
        LiveMessage.session_id == session.id, LiveMessage.hidden.is_(True)))
    listing_ids = [item.listing_id for item in session.featured]
    per_listing: dict[int, Sales] = {}
    for listing_id, status, orders, units, value in sales_rows(
            MarketOrder.listing_id, MarketOrder.listing_id.in_(listing_ids),
            MarketOrder.created_at >= session.starts_at,
            MarketOrder.created_at < session.ends_at):
        report.sales.add(status, orders, int(units), int(value))
        per_listing.setdefault(listing_id, Sales()).add(status, orders, int(units), int(value))
    report.per_listing = [(listing, per_listing.get(listing.id, Sales()))
                          for listing in session.listings]
    return report


def transcript(session: LiveSession, by: User, file_format: str) -> bytes:
    """Every message, hidden ones included, times in the event's time zone; formula-safe."""
    ensure_moderator(by, session)
    zone = ZoneInfo(session.event.timezone)
    messages = db.session.scalars(select(LiveMessage).where(LiveMessage.session_id == session.id)
                                  .order_by(LiveMessage.id)).all()
    rows = [[m.id, m.created_at.astimezone(zone).isoformat(timespec="seconds"), m.kind,
             m.author_name, m.author_role, m.reply_to_id or "", m.body,
             "yes" if m.hidden else "no", "yes" if m.pinned else "no"] for m in messages]
    if file_format == "xlsx":
        return write_xlsx(TRANSCRIPT_COLUMNS, rows, title="transcript")
    return write_csv(TRANSCRIPT_COLUMNS, rows)


def check_can_request(message: LiveMessage, by: User) -> Buyer:
    """The buyer whose visible question this is, if `by` is that buyer (or an organiser)."""
    author = message.user
    if message.kind != "question" or message.hidden or author is None or not author.is_buyer \
            or author.buyer_id is None:
        raise Forbidden()
    if not (by.is_authenticated and (by.id == author.id or by.is_organiser)):
        raise Forbidden()
    return db.session.get(Buyer, author.buyer_id)


def can_request_meeting(message: LiveMessage, user: User) -> bool:
    try:
        check_can_request(message, user)
    except Forbidden:
        return False
    return True


def suggested_request_text(message: LiveMessage) -> str:
    return _("In your live session \"%(title)s\" I asked: %(question)s",
             title=localized(message.session, "title"), question=message.body)


def request_from_question(message: LiveMessage, by: User, text: str) -> MeetingRequest:
    """Ask the session's supplier for a meeting at the session's event, through the expo's
    request service (its limits and duplicate rules apply); the buyer is registered for the
    event first if needed (not listed publicly)."""
    buyer = check_can_request(message, by)
    session = message.session
    if participation.registration_of(session.event, buyer=buyer) is None:
        participation.register(session.event, by, buyer=buyer, public=False)
    return meeting_requests.request_meeting(session.event, buyer, session.company, by,
                                    (text or "").strip()[:1000])


def sessions_of_company(company_id: int) -> list[LiveSession]:
    return list(db.session.scalars(
        select(LiveSession).where(LiveSession.company_id == company_id)
        .options(selectinload(LiveSession.event)).order_by(LiveSession.starts_at.desc())))
