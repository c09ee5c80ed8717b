"""The demo expo: two days at COEX with sessions, tables, interpreters and requests."""

from datetime import date, time, timedelta

from sqlalchemy import select

from app.auth.models import User
from app.buyers.models import Buyer
from app.catalogue.models import Company
from app.expo import events as setup
from app.expo import meeting_requests as requests
from app.expo import participation
from app.expo.models import Event, MeetingRequest
from app.extensions import db
from app.matching.services import rank_suppliers

VENUE_EN = "COEX Hall B, Seoul"
BOOTHS = {"SME001": "A-12", "SME002": "A-14", "SME009": "B-03", "SME011": "B-07"}


DEMO_EVENT_PREFIX_EN = "Smart Biz Expo "  # the demo event's English name, before its year


def demo_start(today: date | None = None) -> date:
    """The demo expo's first day: the first Tuesday four weeks or more from `today`, so that a
    demo loaded on any day shows an event to prepare, not one that is over."""
    first = (today or date.today()) + timedelta(weeks=4)
    return first + timedelta(days=(1 - first.weekday()) % 7)


def find_demo_event() -> Event | None:
    return db.session.scalar(select(Event).where(
        Event.name_en.startswith(DEMO_EVENT_PREFIX_EN), Event.venue_en == VENUE_EN)
        .order_by(Event.id).limit(1))


def load_demo_event(organiser: User, today: date | None = None) -> Event:
    """Create the demo event once; a second call (on any day) returns it unchanged."""
    existing = find_demo_event()
    if existing is not None:
        return existing
    first = demo_start(today)
    days = (first, first + timedelta(days=1))
    event = setup.create_event(
        organiser, name_ko=f"스마트비즈엑스포 {first.year}",
        name_en=f"{DEMO_EVENT_PREFIX_EN}{first.year}",
        venue_ko="서울 코엑스 B홀", venue_en=VENUE_EN,
        starts_on=days[0], ends_on=days[1], max_requests=10, request_expiry_hours=72)
    for day in days:
        setup.add_session(event, organiser, day, time(10), time(12), slot_minutes=30)
        setup.add_session(event, organiser, day, time(14), time(17), slot_minutes=30,
                          break_minutes=10)
    setup.add_tables(event, organiser, 8, zone="B-Hall Business Lounge")
    for name, languages in (("김유진", ["ko", "en"]), ("박서연", ["ko", "en", "ja"]),
                            ("이준호", ["ko", "zh", "en"])):
        setup.add_interpreter(event, organiser, name, languages)
    setup.add_desk(event, organiser, "export", "KOTRA 수출상담관")
    setup.add_desk(event, organiser, "logistics", "물류 전문가 (CJ Logistics)")
    companies = db.session.scalars(select(Company).order_by(Company.supplier_ref)).all()
    buyers = db.session.scalars(select(Buyer).order_by(Buyer.buyer_ref)).all()
    for company in companies:
        participation.register(event, organiser, company=company,
                               booth=BOOTHS.get(company.supplier_ref))
    for buyer in buyers:
        participation.register(event, organiser, buyer=buyer)
    # Each buyer asks its three best-matched suppliers; most answers are already in.
    for index, buyer in enumerate(buyers):
        for rank, pair in enumerate(rank_suppliers(buyer, limit=3)):
            company = db.session.get(Company, pair.company_id)
            request = requests.request_meeting(event, buyer, company, organiser)
            request.requested_by = "buyer"
            if (index + rank) % 7 == 6:
                requests.respond(request, organiser, accept=False,
                                 reason="이번 전시회에서는 해당 시장 상담이 어렵습니다.")
            elif (index + rank) % 5 != 4:
                requests.respond(request, organiser, accept=True)
    db.session.flush()
    return event


def demo_request_counts(event: Event) -> dict[str, int]:
    rows = db.session.scalars(select(MeetingRequest.status).where(
        MeetingRequest.event_id == event.id)).all()
    return {status: rows.count(status) for status in set(rows)}
