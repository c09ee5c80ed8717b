"""Domain errors: a broken rule and what to tell the user (app/web/errors.py answers them)."""

from app.i18n import _l


class DomainError(Exception):
    """A rule of the domain was broken; the message says what to do instead."""

    status = 409
    message = _l("This action is not possible right now.")

    def __init__(self, message: str | None = None, **params: object) -> None:
        if message is not None:
            self.message = message
        self.params = params
        super().__init__(str(self.message))

    def text(self) -> str:
        return str(self.message) % self.params if self.params else str(self.message)

    def __str__(self) -> str:
        return self.text()


class Forbidden(DomainError):
    status = 403
    message = _l("You do not have permission to do this.")


class NotFound(DomainError):
    status = 404
    message = _l("We could not find what you were looking for.")
