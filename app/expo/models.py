"""Events and what happens at them: slots, tables, interpreters, requests, meetings, results."""

import secrets
import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.buyers.models import Buyer
from app.catalogue.models import Company
from app.core.db import UTCDateTime, enum_column, utcnow
from app.extensions import db


def new_token() -> str:
    return secrets.token_urlsafe(24)


class BookingMode(StrEnum):
    """Who books the meetings: the organisers, or the participants themselves."""

    ORGANISER = "organiser"
    PARTICIPANTS = "participants"


class Event(db.Model):
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name_ko: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    venue_ko: Mapped[str] = mapped_column(String(200), default="")
    venue_en: Mapped[str] = mapped_column(String(200), default="")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    timezone: Mapped[str] = mapped_column(String(40), default="Asia/Seoul")
    # Organiser settings, as in the leading platforms.
    booking_mode: Mapped[str] = enum_column("booking_mode", BookingMode, check="booking_mode",
                                            length=12, default="organiser")
    auto_accept: Mapped[bool] = mapped_column(Boolean, default=False)
    max_requests: Mapped[int] = mapped_column(Integer, default=20)
    request_expiry_hours: Mapped[int] = mapped_column(Integer, default=72)
    schedule_published: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    slots: Mapped[list["Slot"]] = relationship(back_populates="event", order_by="Slot.starts_at",
                                               cascade="all, delete-orphan")
    tables: Mapped[list["MeetingTable"]] = relationship(order_by="MeetingTable.name",
                                                        cascade="all, delete-orphan")
    interpreters: Mapped[list["Interpreter"]] = relationship(order_by="Interpreter.name",
                                                             cascade="all, delete-orphan")
    desks: Mapped[list["ConsultationDesk"]] = relationship(order_by="ConsultationDesk.id",
                                                           cascade="all, delete-orphan")


class Slot(db.Model):
    """A meeting slot; sessions with their slot length and breaks are laid out as slots."""

    __table_args__ = (UniqueConstraint("event_id", "starts_at"),
                      CheckConstraint("ends_at > starts_at", name="ends_after_start"))

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())

    event: Mapped[Event] = relationship(back_populates="slots")

    @property
    def code(self) -> str:
        return self.starts_at.strftime("d%Y%m%d-%H%M")


class MeetingTable(db.Model):
    __tablename__ = "meeting_table"
    __table_args__ = (UniqueConstraint("event_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(20))
    zone: Mapped[str] = mapped_column(String(60), default="")


class Interpreter(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    languages: Mapped[str] = mapped_column(String(60))  # ISO 639-1 codes, ";"-separated

    unavailable: Mapped[list["InterpreterAbsence"]] = relationship(cascade="all, delete-orphan")

    @property
    def language_codes(self) -> list[str]:
        return [code for code in self.languages.split(";") if code]


class InterpreterAbsence(db.Model):
    interpreter_id: Mapped[int] = mapped_column(
        ForeignKey("interpreter.id", ondelete="CASCADE"), primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("slot.id", ondelete="CASCADE"),
                                         primary_key=True)


class Registration(db.Model):
    """A supplier or a buyer taking part in an event."""

    __table_args__ = (
        UniqueConstraint("event_id", "company_id"),
        UniqueConstraint("event_id", "buyer_id"),
        CheckConstraint("(company_id IS NULL) != (buyer_id IS NULL)", name="one_side"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("company.id", ondelete="CASCADE"))
    buyer_id: Mapped[int | None] = mapped_column(ForeignKey("buyer.id", ondelete="CASCADE"))
    booth: Mapped[str | None] = mapped_column(String(20))
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    check_in_code: Mapped[str] = mapped_column(String(12), unique=True,
                                               default=lambda: secrets.token_hex(4).upper())
    calendar_token: Mapped[str] = mapped_column(String(40), unique=True, default=new_token)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    event: Mapped[Event] = relationship()
    company: Mapped[Company | None] = relationship()
    buyer: Mapped[Buyer | None] = relationship()
    unavailable: Mapped[list["Unavailability"]] = relationship(cascade="all, delete-orphan")

    @property
    def side(self) -> str:
        return "supplier" if self.company_id else "buyer"

    @property
    def display_name(self) -> str:
        return self.buyer.company_name if self.buyer else (self.company.name_en or
                                                           self.company.name_ko)


class Unavailability(db.Model):
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE"), primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("slot.id", ondelete="CASCADE"),
                                         primary_key=True)


class RequestStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class RequestSide(StrEnum):
    """Who asked for the meeting."""

    BUYER = "buyer"
    SUPPLIER = "supplier"
    ORGANISER = "organiser"


REQUEST_STATUSES = tuple(status.value for status in RequestStatus)


class MeetingRequest(db.Model):
    __table_args__ = (
        UniqueConstraint("event_id", "buyer_id", "company_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyer.id", ondelete="CASCADE"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id", ondelete="CASCADE"),
                                            index=True)
    requested_by: Mapped[str] = enum_column("requested_by", RequestSide, check="known_side",
                                            length=10)
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = enum_column("status", RequestStatus, check="known_status", length=10,
                                      default="pending")
    decline_reason: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[float] = mapped_column(default=1.0)
    unscheduled_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    event: Mapped[Event] = relationship()
    buyer: Mapped[Buyer] = relationship()
    company: Mapped[Company] = relationship()
    meeting: Mapped["Meeting | None"] = relationship(back_populates="request", uselist=False,
                                                     cascade="all, delete-orphan")


class MeetingStatus(StrEnum):
    SCHEDULED = "scheduled"
    HELD = "held"
    NO_SHOW = "no_show"


class Meeting(db.Model):
    """A scheduled meeting. The unique indexes are the no-double-booking rules: two people
    taking the same slot at once get one row and one IntegrityError. A no-show frees its
    places (partial indexes) so that the slot can be offered to others."""

    __table_args__ = (
        *(Index(f"uq_meeting_slot_id_{column}", "slot_id", column, unique=True,
                sqlite_where=text("status != 'no_show'"),
                postgresql_where=text("status != 'no_show'"))
          for column in ("buyer_id", "company_id", "table_id", "interpreter_id")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("meeting_request.id", ondelete="CASCADE"),
                                            unique=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyer.id", ondelete="CASCADE"))
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id", ondelete="CASCADE"))
    slot_id: Mapped[int] = mapped_column(ForeignKey("slot.id", ondelete="CASCADE"))
    table_id: Mapped[int | None] = mapped_column(ForeignKey("meeting_table.id",
                                                            ondelete="SET NULL"))
    booth: Mapped[str | None] = mapped_column(String(20))
    interpreter_id: Mapped[int | None] = mapped_column(ForeignKey("interpreter.id",
                                                                  ondelete="SET NULL"))
    status: Mapped[str] = enum_column("status", MeetingStatus, check="known_status", length=10,
                                      default="scheduled")
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    uid: Mapped[str] = mapped_column(String(64), unique=True,
                                     default=lambda: f"{uuid.uuid4()}@expomatch")
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                                 onupdate=utcnow)

    request: Mapped[MeetingRequest] = relationship(back_populates="meeting")
    slot: Mapped[Slot] = relationship()
    table: Mapped[MeetingTable | None] = relationship()
    interpreter: Mapped[Interpreter | None] = relationship()
    buyer: Mapped[Buyer] = relationship()
    company: Mapped[Company] = relationship()
    outcome: Mapped["Outcome | None"] = relationship(back_populates="meeting", uselist=False,
                                                     cascade="all, delete-orphan")


class Outcome(db.Model):
    __table_args__ = (
        CheckConstraint("satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5",
                        name="satisfaction_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"),
                                            unique=True)
    held: Mapped[bool] = mapped_column(Boolean)
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="outcome")


class DealStage(StrEnum):
    CONTACT = "contact"
    NEGOTIATING = "negotiating"
    MOU = "mou"
    ORDER = "order"


DEAL_STAGES = tuple(stage.value for stage in DealStage)


class Deal(db.Model):
    """What came of a pair, followed past the show (stage, value) with reminders to update."""

    __table_args__ = (
        UniqueConstraint("event_id", "buyer_id", "company_id"),
        CheckConstraint("value IS NULL OR value >= 0", name="value_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyer.id", ondelete="CASCADE"))
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id", ondelete="CASCADE"))
    stage: Mapped[str] = enum_column("stage", DealStage, check="known_stage", length=12,
                                     default="contact")
    value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    via_prematching: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                                 onupdate=utcnow)
    next_reminder_on: Mapped[date | None] = mapped_column(Date)

    buyer: Mapped[Buyer] = relationship()
    company: Mapped[Company] = relationship()


class ConsultationDesk(db.Model):
    """An expert desk (export, legal, logistics) with its own bookable slots."""

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    topic: Mapped[str] = mapped_column(String(20))  # export, legal, logistics, ...
    expert: Mapped[str] = mapped_column(String(100))


class Consultation(db.Model):
    __table_args__ = (UniqueConstraint("desk_id", "slot_id"),
                      UniqueConstraint("slot_id", "company_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    desk_id: Mapped[int] = mapped_column(ForeignKey("consultation_desk.id", ondelete="CASCADE"))
    slot_id: Mapped[int] = mapped_column(ForeignKey("slot.id", ondelete="CASCADE"))
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(Text, default="")

    desk: Mapped[ConsultationDesk] = relationship()
    slot: Mapped[Slot] = relationship()
    company: Mapped[Company] = relationship()


class Notification(db.Model):
    """An in-app message; its text is rendered in the reader's language when shown."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    link: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
