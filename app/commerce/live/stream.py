"""The live chat's event log and its delivery as Server-Sent Events.

Services record an event (a `live_event` row) in the same transaction as the change it
describes, and queue its payload on the SQLAlchemy session; the payload is published only
after that transaction commits (`after_commit`), and dropped on rollback. Streams replay the
log from the database on (re)connection, then pass on what the broker delivers.
"""

import json
from collections.abc import Iterator
from datetime import datetime

from flask import Flask, current_app
from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.commerce.live.broker import channel_of, get_broker
from app.commerce.live.models import LiveEvent, LiveMessage, LiveSession
from app.extensions import db

PENDING_KEY = "live_events"
# Event kinds whose payload carries a message: hidden ones are not replayed to viewers.
CARRIES_MESSAGE = ("message", "unhide", "pin", "unpin")


def message_data(message: LiveMessage) -> dict:
    """What a client needs to show a message; the same for every viewer and language."""
    return {"id": message.id, "kind": message.kind, "body": message.body,
            "author": message.author_name, "role": message.author_role,
            "author_id": message.user_id, "reply_to": message.reply_to_id,
            "hidden": message.hidden, "pinned": message.pinned,
            "created_at": _iso(message.created_at)}


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def event_data(event: LiveEvent) -> dict:
    """A hide carries only the message id: a hidden text never goes out to viewers."""
    data = {"id": event.id, "type": event.kind}
    if event.kind in CARRIES_MESSAGE and event.message is not None:
        data["message"] = message_data(event.message)
    elif event.kind == "hide":
        data["message_id"] = event.message_id
    elif event.kind == "listing":
        data["listing_id"] = event.listing_id
    elif event.kind in ("mute", "unmute"):
        data["user_id"] = event.user_id
    return data


def record(session: LiveSession, kind: str, *, message: LiveMessage | None = None,
           listing_id: int | None = None, user_id: int | None = None) -> LiveEvent:
    """Log a change and queue its publication for when the transaction commits."""
    event = LiveEvent(session_id=session.id, kind=kind, message=message,
                      message_id=message.id if message else None, listing_id=listing_id,
                      user_id=user_id)
    db.session.add(event)
    db.session.flush()
    current = db.session()  # the Session itself, not its scoped proxy
    current.info.setdefault(PENDING_KEY, []).append(
        (current.get_nested_transaction(), channel_of(session.id),
         json.dumps(event_data(event), ensure_ascii=False)))
    return event


def _publish_after_commit(session: Session) -> None:
    pending = session.info.pop(PENDING_KEY, None)
    if not pending:
        return
    broker = get_broker()
    for _savepoint, channel, data in pending:
        try:
            broker.publish(channel, data)
        except Exception as error:  # the row is saved: streams catch up on reconnection
            current_app.logger.warning("live chat: could not publish to %s: %s", channel, error)


def _inside(transaction, rolled_back) -> bool:
    while transaction is not None:
        if transaction is rolled_back:
            return True
        transaction = transaction.parent
    return False


def _forget_after_rollback(session: Session, previous_transaction) -> None:
    """Drop the events of what was rolled back: all of them, or a savepoint's."""
    if previous_transaction.parent is None:
        session.info.pop(PENDING_KEY, None)
    elif session.info.get(PENDING_KEY):
        session.info[PENDING_KEY] = [entry for entry in session.info[PENDING_KEY]
                                     if not _inside(entry[0], previous_transaction)]


def init_app(app: Flask) -> None:
    """Publish queued events after commit; registered once per process for every Session."""
    if not sa_event.contains(Session, "after_commit", _publish_after_commit):
        sa_event.listen(Session, "after_commit", _publish_after_commit)
        sa_event.listen(Session, "after_soft_rollback", _forget_after_rollback)


def last_event_id(session: LiveSession) -> int:
    return db.session.scalar(select(LiveEvent.id).where(LiveEvent.session_id == session.id)
                             .order_by(LiveEvent.id.desc()).limit(1)) or 0


def backlog(session: LiveSession, after: int, moderator: bool) -> list[dict]:
    """Events after `after`, with messages as they are now; hidden ones only for moderators."""
    events = db.session.scalars(
        select(LiveEvent).where(LiveEvent.session_id == session.id, LiveEvent.id > after)
        .options(selectinload(LiveEvent.message)).order_by(LiveEvent.id)).all()
    return [event_data(event) for event in events
            if moderator or not (event.kind in CARRIES_MESSAGE and event.message is not None
                                 and event.message.hidden)]


def sse(data: dict) -> str:
    """One Server-Sent Event; JSON has no raw line breaks, so `data:` fits on one line."""
    payload = json.dumps(data, ensure_ascii=False)
    return f"id: {data['id']}\nevent: {data['type']}\ndata: {payload}\n\n"


def stream(session_id: int, after: int, moderator: bool, *, keepalive: float,
           duration: float, clock=None) -> Iterator[str]:
    """The body of an event stream: the backlog, then live events, keep-alive comments while
    nothing happens, and an end after `duration` seconds (the browser reconnects).

    It subscribes before reading the backlog, so that nothing falls between the two; what
    arrives twice is sent once. The database connection is returned to the pool before
    the stream starts waiting."""
    import time

    clock = clock or time.monotonic
    subscription = get_broker().subscribe(channel_of(session_id))
    try:
        session = db.session.get(LiveSession, session_id)
        first = backlog(session, after, moderator) if session is not None else []
    finally:
        db.session.remove()

    def generate() -> Iterator[str]:
        sent: set[int] = set()
        ends = clock() + duration
        try:
            yield "retry: 2000\n\n"
            for data in first:
                sent.add(data["id"])
                yield sse(data)
            while clock() < ends:
                arrived = subscription.get(timeout=max(0.0, min(keepalive, ends - clock())))
                if not arrived:
                    yield ": keep-alive\n\n"
                    continue
                for raw in arrived:
                    data = json.loads(raw)
                    if data["id"] not in sent:
                        sent.add(data["id"])
                        yield sse(data)
        finally:
            subscription.close()

    return generate()
