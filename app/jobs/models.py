"""A job's record: what it does and with which parameters, who started it, how far it has come."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.core.db import UTCDateTime, enum_column, utcnow
from app.extensions import db


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


ACTIVE = ("queued", "running")
FINISHED = ("done", "failed", "interrupted")


class Job(db.Model):
    __table_args__ = (
        # One active job per subject (e.g. the scheduling of one event), whoever asks.
        Index("ix_job_one_active_per_subject", "kind", "subject", unique=True,
              sqlite_where=db.text("status IN ('queued', 'running')"),
              postgresql_where=db.text("status IN ('queued', 'running')")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    # Keyword arguments of the handler (JSON), and what the job works on, e.g. "event:3".
    parameters: Mapped[dict] = mapped_column(JSON, default=dict)
    subject: Mapped[str | None] = mapped_column(String(60))
    status: Mapped[str] = enum_column("status", JobStatus, check="known_status", length=12,
                                      default="queued")
    step: Mapped[str] = mapped_column(String(40), default="")
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    # The handler's result when done, {"error": ...} when failed.
    result: Mapped[dict | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # "host:pid" of the consumer running it, and when that consumer last showed it was alive.
    worker: Mapped[str | None] = mapped_column(String(120))
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    created_by: Mapped[User | None] = relationship()

    @property
    def percent(self) -> int:
        if self.status == "done":
            return 100
        return min(100, int(100 * self.done / self.total)) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def outcome(self) -> dict:
        """The handler's result (or the failure) as data; pages phrase it in their language."""
        value = {} if self.result is None else self.result
        return value if isinstance(value, dict) else {"value": value}
