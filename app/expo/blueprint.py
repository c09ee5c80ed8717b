"""The expo blueprint, shared by the view modules of this package, and what they all need."""

from flask import Blueprint
from flask_login import current_user

from app.expo.models import Event, Registration
from app.expo.participation import registration_of
from app.extensions import db

bp = Blueprint("expo", __name__)


def load_event(event_id: int) -> Event:
    return db.get_or_404(Event, event_id)


def my_registration(event: Event) -> Registration | None:
    """The current user's registration for the event, if they are a registered participant."""
    if not current_user.is_authenticated:
        return None
    if current_user.is_supplier and current_user.company_id:
        return db.session.scalar(db.select(Registration).where(
            Registration.event_id == event.id,
            Registration.company_id == current_user.company_id))
    if current_user.is_buyer and current_user.buyer_id:
        return db.session.scalar(db.select(Registration).where(
            Registration.event_id == event.id, Registration.buyer_id == current_user.buyer_id))
    return None


__all__ = ["bp", "load_event", "my_registration", "registration_of"]
