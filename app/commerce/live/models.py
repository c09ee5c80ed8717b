"""Live commerce: sessions streamed from the market, their featured listings and a Q&A chat.

Featured products are market listings, so the catalogue, the market and a live session share
one product record. Every change to a chat that viewers must see (a message, a hide, a pin) is
also written to `live_event`: its id is the Server-Sent Events id, so that a client that
reconnects with Last-Event-ID gets exactly what it missed from the database.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.catalogue.models import Company
from app.commerce.market.models import MarketListing
from app.core.db import UTCDateTime, enum_column, utcnow
from app.expo.models import Event
from app.extensions import db
from app.i18n import _l, _lp


class MessageKind(StrEnum):
    QUESTION = "question"
    ANSWER = "answer"
    NOTE = "note"


class EventKind(StrEnum):
    MESSAGE = "message"
    HIDE = "hide"
    UNHIDE = "unhide"
    PIN = "pin"
    UNPIN = "unpin"
    LISTING = "listing"
    MUTE = "mute"
    UNMUTE = "unmute"


MESSAGE_KINDS = tuple(kind.value for kind in MessageKind)
EVENT_KINDS = tuple(kind.value for kind in EventKind)
MAX_MESSAGE_CHARS = 1000


def message_kind_labels() -> dict[str, str]:
    return {"question": _l("Question"), "answer": _lp("live chat", "Answer"),
            "note": _l("Host note")}


def session_status_labels() -> dict[str, str]:
    return {"upcoming": _l("Upcoming"), "live": _l("Live now"), "ended": _l("Ended")}


class LiveSession(db.Model):
    """A scheduled live stream of one supplier at an event's market."""

    __tablename__ = "live_session"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id", ondelete="CASCADE"),
                                            index=True)
    title_ko: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    description_ko: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The host is an account (who may then answer and moderate) or just a name on the page.
    host_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"),
                                                     index=True)
    host_name: Mapped[str] = mapped_column(String(100), default="")
    stream_url: Mapped[str] = mapped_column(String(500), default="")
    pinned_listing_id: Mapped[int | None] = mapped_column(
        ForeignKey("market_listing.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                                 onupdate=utcnow)

    event: Mapped[Event] = relationship()
    company: Mapped[Company] = relationship()
    host_user: Mapped[User | None] = relationship()
    pinned_listing: Mapped[MarketListing | None] = relationship()
    featured: Mapped[list["LiveFeatured"]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="LiveFeatured.position")

    @property
    def listings(self) -> list[MarketListing]:
        return [item.listing for item in self.featured]

    def status_at(self, now: datetime) -> str:
        if now < self.starts_at:
            return "upcoming"
        return "live" if now < self.ends_at else "ended"

    @property
    def status(self) -> str:
        return self.status_at(utcnow())

    @property
    def status_label(self) -> str:
        return str(session_status_labels()[self.status])


class LiveFeatured(db.Model):
    """A market listing shown during a session, in the host's order."""

    __tablename__ = "live_featured"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("live_session.id", ondelete="CASCADE"), primary_key=True)
    listing_id: Mapped[int] = mapped_column(
        ForeignKey("market_listing.id", ondelete="CASCADE"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    session: Mapped[LiveSession] = relationship(back_populates="featured")
    listing: Mapped[MarketListing] = relationship()


class LiveMessage(db.Model):
    """A question of a viewer, an answer to it or a note of the host."""

    __tablename__ = "live_message"
    __table_args__ = (
        CheckConstraint("kind != 'answer' OR reply_to_id IS NOT NULL", name="answer_has_question"),
        # The rate limit counts a user's recent messages.
        Index("ix_live_message_user_id_created_at", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_session.id", ondelete="CASCADE"),
                                            index=True)
    # Kept when the account goes (SET NULL), with the name shown at the time.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(200), default="")
    author_role: Mapped[str] = mapped_column(String(20), default="viewer")
    kind: Mapped[str] = enum_column("kind", MessageKind, check="known_kind", length=10)
    reply_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("live_message.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    session: Mapped[LiveSession] = relationship()
    user: Mapped[User | None] = relationship()
    reply_to: Mapped["LiveMessage | None"] = relationship(remote_side=[id])

    @property
    def kind_label(self) -> str:
        return str(message_kind_labels()[self.kind])


class LiveEvent(db.Model):
    """One change viewers see, in order: the Server-Sent Events log of a session."""

    __tablename__ = "live_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_session.id", ondelete="CASCADE"),
                                            index=True)
    kind: Mapped[str] = enum_column("kind", EventKind, check="known_kind", length=10)
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("live_message.id", ondelete="CASCADE"))
    listing_id: Mapped[int | None] = mapped_column(
        ForeignKey("market_listing.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    message: Mapped[LiveMessage | None] = relationship()


class LiveMute(db.Model):
    """A user who may no longer post in a session."""

    __tablename__ = "live_mute"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("live_session.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    muted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LiveViewer(db.Model):
    """Someone who opened the session page: a user (`u<id>`) or an anonymous visitor
    (`a<random token>` kept in their session cookie); counted once per session."""

    __tablename__ = "live_viewer"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("live_session.id", ondelete="CASCADE"), primary_key=True)
    viewer_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
