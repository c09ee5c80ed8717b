"""Who may change what: each role changes only its own data; organisers manage all."""

from functools import wraps

from flask_login import current_user

from app.auth.models import User
from app.core.errors import Forbidden


def can_edit_company(user: User, company_id: int) -> bool:
    if not user.is_authenticated:
        return False
    return user.is_organiser or (user.is_supplier and user.company_id == company_id)


def can_edit_buyer(user: User, buyer_id: int) -> bool:
    if not user.is_authenticated:
        return False
    return user.is_organiser or (user.is_buyer and user.buyer_id == buyer_id)


def ensure_company_editor(user: User, company_id: int) -> None:
    if not can_edit_company(user, company_id):
        raise Forbidden()


def ensure_buyer_editor(user: User, buyer_id: int) -> None:
    if not can_edit_buyer(user, buyer_id):
        raise Forbidden()


def ensure_organiser(user: User) -> None:
    if not (user.is_authenticated and user.is_organiser):
        raise Forbidden()


def organiser_required(view):
    """Route decorator: log-in first (401 → login page), then 403 for other roles."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        ensure_organiser(current_user)
        return view(*args, **kwargs)

    return wrapped
