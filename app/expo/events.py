"""Setting an event up: sessions laid out as slots, tables, interpreters, consultation desks."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.auth.models import User
from app.auth.permissions import ensure_organiser
from app.expo.models import ConsultationDesk, Event, Interpreter, MeetingTable, Slot
from app.extensions import db


def create_event(by: User, **fields) -> Event:
    ensure_organiser(by)
    event = Event(**fields)
    db.session.add(event)
    db.session.flush()
    return event


def add_session(event: Event, by: User, day: date, start: time, end: time, *,
                slot_minutes: int = 30, break_minutes: int = 0) -> list[Slot]:
    """Lay a session out as slots of `slot_minutes`, with `break_minutes` between them."""
    ensure_organiser(by)
    zone = ZoneInfo(event.timezone)
    current = datetime.combine(day, start, tzinfo=zone).astimezone(UTC)
    finish = datetime.combine(day, end, tzinfo=zone).astimezone(UTC)
    existing = {slot.starts_at for slot in event.slots}
    created = []
    while current + timedelta(minutes=slot_minutes) <= finish:
        if current not in existing:
            slot = Slot(starts_at=current, ends_at=current + timedelta(minutes=slot_minutes))
            event.slots.append(slot)
            created.append(slot)
        current += timedelta(minutes=slot_minutes + break_minutes)
    db.session.flush()
    return created


def add_tables(event: Event, by: User, count: int, zone: str = "", prefix: str = "T") -> None:
    ensure_organiser(by)
    start = len(event.tables) + 1
    for number in range(start, start + count):
        event.tables.append(MeetingTable(name=f"{prefix}{number:02d}", zone=zone))
    db.session.flush()


def add_interpreter(event: Event, by: User, name: str, languages: list[str]) -> Interpreter:
    ensure_organiser(by)
    interpreter = Interpreter(name=name, languages=";".join(languages))
    event.interpreters.append(interpreter)
    db.session.flush()
    return interpreter


def add_desk(event: Event, by: User, topic: str, expert: str) -> ConsultationDesk:
    ensure_organiser(by)
    desk = ConsultationDesk(topic=topic, expert=expert)
    event.desks.append(desk)
    db.session.flush()
    return desk
