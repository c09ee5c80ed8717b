"""What can go wrong at an event, said so that people know what to do."""

from app.core.errors import DomainError
from app.i18n import _l


class SlotTaken(DomainError):
    message = _l("This slot was just taken. Please choose another.")


class NotRegistered(DomainError):
    status = 400
    message = _l("Both sides must be registered for the event first.")


class RequestLimitReached(DomainError):
    message = _l("You have reached the limit of %(limit)d meeting requests for this event.")


class DuplicateRequest(DomainError):
    message = _l("A meeting request between you already exists for this event.")


class RequestClosed(DomainError):
    message = _l("This request is no longer open.")


class SlotUnavailable(DomainError):
    message = _l("One of you is not available in this slot.")


class InvalidPlacement(DomainError):
    status = 400
    message = _l("This placement breaks a scheduling rule: %(rule)s")


class UnknownCheckInCode(DomainError):
    status = 404
    message = _l("No participant has this check-in code.")


class NoInterpreter(DomainError):
    message = _l("No interpreter who speaks both languages is free in this slot. Choose another.")


class OrganiserSchedules(DomainError):
    message = _l("The organiser schedules the meetings of this event: accept the request "
                 "without choosing a time slot.")
