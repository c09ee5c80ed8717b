"""Forms that must not act twice: a double click, a browser retry or a resent form carries the
same one-time key (a hidden field made when the form was shown), and the second arrival gets
the first one's outcome instead of a second order or request.

The key is stored in the same transaction as what the form did, under a primary key: of two
arrivals at the same moment exactly one commits, the other is told the form was already sent.
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column
from wtforms import HiddenField

from app.core.db import UTCDateTime, utcnow
from app.core.errors import DomainError
from app.extensions import db
from app.i18n import _l


class FormSubmission(db.Model):
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    # What the first arrival showed: where it went and what it said (in its language).
    redirect_to: Mapped[str] = mapped_column(String(500))
    message: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AlreadySubmitted(DomainError):
    message = _l("This form was already sent; it was not sent again.")


def new_key() -> str:
    return secrets.token_urlsafe(24)


class SubmissionKeyField(HiddenField):
    """The form's one-time key (a new one each time the form is shown)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(default=new_key, **kwargs)


@dataclass
class Outcome:
    redirect_to: str
    message: str


def previous_outcome(key: str | None, user_id: int) -> Outcome | None:
    """What a form with this key already did for this user, if it did."""
    if not key or len(key) > 64:
        return None
    done = db.session.get(FormSubmission, key)
    if done is None or done.user_id != user_id:
        return None
    return Outcome(done.redirect_to, done.message)


def claim(key: str | None, user_id: int) -> None:
    """Take the key before acting (flushes); AlreadySubmitted if another arrival took it."""
    if not key or len(key) > 64:
        return
    db.session.add(FormSubmission(key=key, user_id=user_id, redirect_to="", message=""))
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        raise AlreadySubmitted() from error


def settle(key: str | None, outcome: Outcome) -> None:
    """Record what the form did, for a later arrival of the same key."""
    if not key or len(key) > 64:
        return
    done = db.session.get(FormSubmission, key)
    if done is not None:
        done.redirect_to, done.message = outcome.redirect_to[:500], outcome.message[:500]
        db.session.flush()


def once(key: str | None, user_id: int, act: Callable[[], Outcome]) -> Outcome:
    """`act()` unless a form with this key already acted for this user: then its outcome."""
    previous = previous_outcome(key, user_id)
    if previous is not None:
        return previous
    claim(key, user_id)
    outcome = act()
    settle(key, outcome)
    return outcome
