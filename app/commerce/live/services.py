"""Live commerce: organisers schedule sessions; viewers ask, the host and supplier answer.

Chat rules: logged-in users may ask (anonymous visitors watch); the session's moderators (its
host account, the supplier's users and organisers) answer, pin, hide and mute. The rate limit
counts a user's persisted messages, so it holds across web workers without other
infrastructure; on PostgreSQL the user's row is locked while counting, so that two posts at
the same moment cannot both pass the last free place.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.auth.permissions import can_edit_company, ensure_organiser
from app.buyers.models import Buyer
from app.catalogue.models import Company
from app.commerce.live import stream as live_stream
from app.commerce.live.models import (
    MAX_MESSAGE_CHARS,
    LiveFeatured,
    LiveMessage,
    LiveMute,
    LiveSession,
)
from app.commerce.market.models import MarketListing
from app.core.db import utc, utcnow
from app.core.errors import DomainError, Forbidden, NotFound
from app.expo import participation
from app.expo.models import Event
from app.extensions import db
from app.i18n import _l

YOUTUBE_HOSTS = ("youtube.com", "www.youtube.com", "m.youtube.com", "youtu.be",
                 "www.youtube-nocookie.com")
YOUTUBE_EMBED = "https://www.youtube-nocookie.com/embed/"


class InvalidLiveSession(DomainError):
    status = 400
    message = _l("Check the session's times, stream link and featured products.")


class InvalidMessage(DomainError):
    status = 400
    message = _l("Write a message of at most %(limit)d characters.")


class Muted(DomainError):
    status = 403
    message = _l("The host has muted you in this session: you can still watch, but not post.")


class RateLimited(DomainError):
    status = 429
    message = _l("You are posting too fast. You can post again in %(seconds)d seconds.")


class AnswersOnly(DomainError):
    status = 403
    message = _l("Only the host and the supplier answer questions.")


class CannotMuteModerator(DomainError):
    message = _l("The host, the supplier and organisers cannot be muted.")


class NotAQuestion(DomainError):
    message = _l("Only your own questions can become meeting requests.")


# --- Who may do what -------------------------------------------------------------------------

def is_moderator(user: User, session: LiveSession) -> bool:
    """The host's account, the supplier's users and organisers answer and moderate."""
    if not user.is_authenticated:
        return False
    return user.id == session.host_user_id or can_edit_company(user, session.company_id)


def ensure_moderator(user: User, session: LiveSession) -> None:
    if not is_moderator(user, session):
        raise Forbidden()


def is_muted(user: User, session: LiveSession) -> bool:
    if not user.is_authenticated:
        return False
    return db.session.get(LiveMute, (session.id, user.id)) is not None


# --- Sessions --------------------------------------------------------------------------------

def youtube_embed_url(link: str) -> str | None:
    """The youtube-nocookie.com embed address of a YouTube link, else None (shown as a link)."""
    parts = urlsplit(link or "")
    if parts.scheme not in ("http", "https") or parts.hostname not in YOUTUBE_HOSTS:
        return None
    path = [piece for piece in parts.path.split("/") if piece]
    if parts.hostname == "youtu.be":
        video = path[0] if path else ""
    elif path[:1] == ["watch"]:
        video = (parse_qs(parts.query).get("v") or [""])[0]
    elif len(path) >= 2 and path[0] in ("embed", "live", "shorts"):
        video = path[1]
    else:
        return None
    if len(video) == 11 and all(c.isalnum() or c in "-_" for c in video):
        return YOUTUBE_EMBED + video
    return None


def _check_stream_url(link: str) -> str:
    link = (link or "").strip()
    if link and (urlsplit(link).scheme not in ("http", "https") or not urlsplit(link).netloc):
        raise InvalidLiveSession(_l("The stream link must be a web address (https://...)."))
    return link


def _check_listings(event: Event, company: Company,
                    listings: Sequence[MarketListing]) -> list[MarketListing]:
    for listing in listings:
        if listing.event_id != event.id or listing.company_id != company.id:
            raise InvalidLiveSession(_l("Featured products must be the supplier's listings at "
                                        "this event's market."))
        if not listing.is_approved:
            raise InvalidLiveSession(_l("Only approved listings can be featured."))
    return list(dict.fromkeys(listings))


def _apply(session: LiveSession, *, title_ko: str, title_en: str, starts_at: datetime,
           ends_at: datetime, description_ko: str, description_en: str, host_user: User | None,
           host_name: str, stream_url: str, listings: Sequence[MarketListing]) -> None:
    if not (title_ko or "").strip():
        raise InvalidLiveSession(_l("Give the session a Korean title."))
    if utc(ends_at) <= utc(starts_at):
        raise InvalidLiveSession(_l("The session must end after it starts."))
    if host_user is not None and not (host_user.is_organiser or
                                      host_user.company_id == session.company.id):
        raise InvalidLiveSession(_l("The host account must be an organiser or one of the "
                                    "supplier's users."))
    chosen = _check_listings(session.event, session.company, listings)
    session.title_ko, session.title_en = title_ko.strip(), (title_en or "").strip()
    session.description_ko = (description_ko or "").strip()
    session.description_en = (description_en or "").strip()
    session.starts_at, session.ends_at = utc(starts_at), utc(ends_at)
    session.host_user_id = host_user.id if host_user else None
    session.host_name = (host_name or "").strip()
    session.stream_url = _check_stream_url(stream_url)
    kept = {item.listing_id: item for item in session.featured}
    session.featured = [kept.get(listing.id) or LiveFeatured(listing=listing)
                        for listing in chosen]
    for position, item in enumerate(session.featured):
        item.position = position
    if session.pinned_listing_id not in {listing.id for listing in chosen}:
        session.pinned_listing_id = None


def create_session(event: Event, company: Company, by: User, **fields) -> LiveSession:
    """Schedule a session. The supplier is registered for the event if it is not yet, so that
    viewers' questions can become meeting requests."""
    ensure_organiser(by)
    session = LiveSession(event=event, company=company)
    _apply(session, **fields)
    db.session.add(session)
    if participation.registration_of(event, company=company) is None:
        participation.register(event, by, company=company)
    db.session.flush()
    return session


def update_session(session: LiveSession, by: User, **fields) -> LiveSession:
    ensure_organiser(by)
    _apply(session, **fields)
    db.session.flush()
    return session


def delete_session(session: LiveSession, by: User) -> None:
    ensure_organiser(by)
    db.session.delete(session)
    db.session.flush()


def sessions_by_status(now: datetime | None = None) -> dict[str, list[LiveSession]]:
    """Live now, upcoming (soonest first) and ended (latest first)."""
    now = now or utcnow()
    sessions = db.session.scalars(
        select(LiveSession).options(selectinload(LiveSession.company),
                                    selectinload(LiveSession.event))
        .order_by(LiveSession.starts_at, LiveSession.id)).all()
    groups: dict[str, list[LiveSession]] = {"live": [], "upcoming": [], "ended": []}
    for session in sessions:
        groups[session.status_at(now)].append(session)
    groups["ended"].reverse()
    return groups


def approved_listings(event: Event) -> list[MarketListing]:
    """What the session form offers as featured products: approved listings at the event."""
    return list(db.session.scalars(
        select(MarketListing).where(MarketListing.event_id == event.id,
                                    MarketListing.status == "approved")
        .options(selectinload(MarketListing.product), selectinload(MarketListing.company))
        .order_by(MarketListing.company_id, MarketListing.id)))


# --- Chat ------------------------------------------------------------------------------------

def _author(user: User, session: LiveSession) -> tuple[str, str]:
    """(name shown, role): the host's name, the company, the buyer's company; never e-mails."""
    if user.id == session.host_user_id:
        return session.host_name or _company_name(session.company), "host"
    if user.is_organiser:
        return "", "organiser"
    if user.is_supplier and user.company_id == session.company_id:
        return _company_name(session.company), "supplier"
    if user.is_supplier and user.company_id:
        return _company_name(db.session.get(Company, user.company_id)), "viewer"
    if user.is_buyer and user.buyer_id:
        return db.session.get(Buyer, user.buyer_id).company_name, "viewer"
    return "", "viewer"


def _company_name(company: Company) -> str:
    if company.name_en and company.name_en != company.name_ko:
        return f"{company.name_ko} ({company.name_en})"
    return company.name_ko


def check_rate(user: User, now: datetime | None = None) -> None:
    """At most LIVE_CHAT_MAX_MESSAGES messages per LIVE_CHAT_WINDOW_SECONDS, in all sessions."""
    limit = current_app.config["LIVE_CHAT_MAX_MESSAGES"]
    window = timedelta(seconds=current_app.config["LIVE_CHAT_WINDOW_SECONDS"])
    now = now or utcnow()
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())
    recent = db.session.scalars(
        select(LiveMessage.created_at).where(LiveMessage.user_id == user.id,
                                             LiveMessage.created_at > now - window)
        .order_by(LiveMessage.created_at.desc()).limit(limit)).all()
    if len(recent) >= limit:
        wait = (recent[-1] + window - now).total_seconds()
        raise RateLimited(seconds=max(1, math.ceil(wait)))


def post_message(session: LiveSession, by: User, body: str,
                 reply_to: LiveMessage | None = None) -> LiveMessage:
    """A viewer's question, or a moderator's answer (with `reply_to`) or note."""
    if not by.is_authenticated:
        raise Forbidden()
    body = (body or "").strip()
    if not body or len(body) > MAX_MESSAGE_CHARS:
        raise InvalidMessage(limit=MAX_MESSAGE_CHARS)
    moderator = is_moderator(by, session)
    if reply_to is not None:
        if not moderator:
            raise AnswersOnly()
        if reply_to.session_id != session.id or reply_to.kind != "question":
            raise NotFound()
    if not moderator:
        if is_muted(by, session):
            raise Muted()
        check_rate(by)
    name, role = _author(by, session)
    kind = "question" if not moderator else ("answer" if reply_to is not None else "note")
    message = LiveMessage(session_id=session.id, user_id=by.id, author_name=name,
                          author_role=role, kind=kind, body=body,
                          reply_to_id=reply_to.id if reply_to else None)
    db.session.add(message)
    db.session.flush()
    live_stream.record(session, "message", message=message)
    return message


def set_hidden(message: LiveMessage, by: User, hidden: bool) -> LiveMessage:
    """Hide a message from viewers (a hidden message is unpinned), or show it again."""
    ensure_moderator(by, message.session)
    if message.hidden != hidden:
        message.hidden = hidden
        if hidden:
            message.pinned = False
        db.session.flush()
        live_stream.record(message.session, "hide" if hidden else "unhide", message=message)
    return message


def set_pinned(message: LiveMessage, by: User, pinned: bool) -> LiveMessage:
    ensure_moderator(by, message.session)
    if pinned and message.hidden:
        raise DomainError(_l("Show the message again before pinning it."))
    if message.pinned != pinned:
        message.pinned = pinned
        db.session.flush()
        live_stream.record(message.session, "pin" if pinned else "unpin", message=message)
    return message


def set_muted(session: LiveSession, user: User, by: User, muted: bool) -> None:
    ensure_moderator(by, session)
    if is_moderator(user, session):
        raise CannotMuteModerator()
    mute = db.session.get(LiveMute, (session.id, user.id))
    if muted and mute is None:
        db.session.add(LiveMute(session_id=session.id, user_id=user.id, muted_by_id=by.id))
    elif not muted and mute is not None:
        db.session.delete(mute)
    else:
        return
    db.session.flush()
    live_stream.record(session, "mute" if muted else "unmute", user_id=user.id)


def pin_listing(session: LiveSession, listing: MarketListing | None, by: User) -> None:
    """Pin one featured product at the top of the session page (None unpins)."""
    ensure_moderator(by, session)
    if listing is not None and listing.id not in {item.listing_id for item in session.featured}:
        raise NotFound()
    new_id = listing.id if listing is not None else None
    if session.pinned_listing_id != new_id:
        session.pinned_listing_id = new_id
        db.session.flush()
        live_stream.record(session, "listing", listing_id=new_id)


@dataclass
class ChatView:
    """What the session page shows: questions with their answers, notes and pins."""

    threads: list[tuple[LiveMessage, list[LiveMessage]]]
    pinned: list[LiveMessage]
    muted_user_ids: set[int]


def chat_view(session: LiveSession, moderator: bool) -> ChatView:
    stmt = (select(LiveMessage).where(LiveMessage.session_id == session.id)
            .order_by(LiveMessage.id))
    if not moderator:
        stmt = stmt.where(LiveMessage.hidden.is_(False))
    messages = db.session.scalars(stmt).all()
    answers: dict[int, list[LiveMessage]] = {}
    shown = {message.id for message in messages}
    threads = []
    for message in messages:
        if message.kind == "answer" and message.reply_to_id in shown:
            answers.setdefault(message.reply_to_id, []).append(message)
        else:
            threads.append((message, answers.setdefault(message.id, [])))
    muted = set(db.session.scalars(select(LiveMute.user_id)
                                   .where(LiveMute.session_id == session.id))) \
        if moderator else set()
    return ChatView(threads=threads, pinned=[m for m in messages if m.pinned],
                    muted_user_ids=muted)


def count_messages(session: LiveSession) -> dict[str, int]:
    rows = db.session.execute(select(LiveMessage.kind, func.count(LiveMessage.id))
                              .where(LiveMessage.session_id == session.id)
                              .group_by(LiveMessage.kind)).all()
    return {kind: count for kind, count in rows}
