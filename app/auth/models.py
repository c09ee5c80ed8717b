"""Users and their roles."""

import secrets
import time
from datetime import datetime
from enum import StrEnum

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from app.core.db import UTCDateTime, enum_column, utcnow
from app.extensions import db
from app.i18n import _l


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class Role(StrEnum):
    SUPPLIER = "supplier"
    BUYER = "buyer"
    ORGANISER = "organiser"

    @property
    def label(self) -> str:
        return str({Role.SUPPLIER: _l("Supplier"), Role.BUYER: _l("Buyer"),
                    Role.ORGANISER: _l("Organiser")}[self])


class User(UserMixin, db.Model):
    __table_args__ = (
        CheckConstraint("role != 'buyer' OR company_id IS NULL", name="buyer_has_no_company"),
        CheckConstraint("role != 'supplier' OR buyer_id IS NULL", name="supplier_has_no_buyer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = enum_column("role", Role, check="known_role")
    locale: Mapped[str | None] = mapped_column(String(5))
    # Ownership: a supplier belongs to one company, a buyer owns one buyer profile.
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("company.id", ondelete="SET NULL"), index=True
    )
    buyer_id: Mapped[int | None] = mapped_column(
        ForeignKey("buyer.id", ondelete="SET NULL"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Part of every log-in's id: replacing it ends every session (app/auth/sessions.py).
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)

    def get_id(self) -> str:
        """A new log-in id for the session and remember cookies: user id, session token, when
        it was issued and a nonce (so that every log-in gets a cookie of its own)."""
        return f"{self.id}:{self.session_token}:{int(time.time())}:{secrets.token_hex(4)}"

    def set_password(self, password: str) -> None:
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def role_label(self) -> str:
        return Role(self.role).label

    @property
    def is_organiser(self) -> bool:
        return self.role == Role.ORGANISER

    @property
    def is_supplier(self) -> bool:
        return self.role == Role.SUPPLIER

    @property
    def is_buyer(self) -> bool:
        return self.role == Role.BUYER
