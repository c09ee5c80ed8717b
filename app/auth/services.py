"""Accounts: creating users, authenticating, changing passwords and settings."""

from sqlalchemy import func, select

from app.auth.models import Role, User
from app.auth.passwords import check_password
from app.auth.sessions import end_all_sessions
from app.core.errors import DomainError
from app.extensions import db
from app.i18n import _l


class EmailTaken(DomainError):
    message = _l("An account with this email address already exists. Log in instead.")


class WrongPassword(DomainError):
    status = 400
    message = _l("The current password is not correct.")


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    if "\x00" in email:  # no account has one, and PostgreSQL refuses it in a query
        return None
    return db.session.scalar(select(User).where(func.lower(User.email) == normalize_email(email)))


def create_user(email: str, password: str, role: Role, *, locale: str | None = None,
                company_id: int | None = None, buyer_id: int | None = None) -> User:
    if find_user(email) is not None:
        raise EmailTaken()
    check_password(password, email)
    user = User(email=normalize_email(email), role=Role(role), locale=locale,
                company_id=company_id, buyer_id=buyer_id)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    user = find_user(email)
    if user is None or not user.check_password(password):
        return None
    return user


def change_password(user: User, current: str, new: str) -> None:
    if not user.check_password(current):
        raise WrongPassword()
    reset_password(user, new)


def reset_password(user: User, new: str) -> None:
    """Set a new password; every session of the user ends (the caller renews its own)."""
    check_password(new, user.email)
    user.set_password(new)
    end_all_sessions(user)


def set_locale(user: User, locale: str | None) -> None:
    user.locale = locale or None
    db.session.flush()
