"""In-app notifications, stored as a kind and parameters and worded in the reader's language."""

from datetime import datetime

from sqlalchemy import or_, select

from app.auth.models import User
from app.core.formatting import format_datetime
from app.expo.models import Notification
from app.extensions import db
from app.i18n import _


def notify_side(kind: str, *, buyer_id: int | None = None, company_id: int | None = None,
                link: str = "", **params) -> None:
    """Notify every account of a buyer or of a supplier company."""
    conditions = []
    if buyer_id is not None:
        conditions.append(User.buyer_id == buyer_id)
    if company_id is not None:
        conditions.append(User.company_id == company_id)
    for user_id in db.session.scalars(select(User.id).where(or_(*conditions))):
        db.session.add(Notification(user_id=user_id, kind=kind, link=link,
                                    params=params))


def text(notification: Notification) -> str:
    """The notification in the current language."""
    params = dict(notification.params or {})
    if "when" in params:
        params["when"] = format_datetime(datetime.fromisoformat(params["when"]), "short")
    messages = {
        "request_received": lambda: _("%(name)s asks to meet you.", **params),
        "request_accepted": lambda: _("%(name)s accepted your meeting request.", **params),
        "request_declined": lambda: _("%(name)s declined your meeting request.", **params),
        "request_expiring": lambda: _(
            "A meeting request from %(name)s expires soon: please answer.", **params),
        "meeting_scheduled": lambda: _("Meeting with %(name)s: %(when)s.", **params),
        "meeting_moved": lambda: _("Your meeting with %(name)s moved to %(when)s.", **params),
        "slot_freed": lambda: _("A slot is free now: you could meet %(name)s at %(when)s.",
                                **params),
        "deal_reminder": lambda: _("How is it going with %(name)s? Please update the deal.",
                                   **params),
    }
    render = messages.get(notification.kind)
    return render() if render else notification.kind


def unread(user: User, limit: int = 20) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))
        .order_by(Notification.created_at.desc()).limit(limit)))
