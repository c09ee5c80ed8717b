"""Which passwords are refused: shorter than 8 characters, one of the most common passwords,
or the account's own e-mail address (or its name part).

The list (common_passwords.txt.gz, shipped: nothing is looked up on the network) holds the
lowercased passwords of 8 or more characters from Royce Williams' list of the 20,000 most
common passwords as Django ships it (BSD licence), plus a few seen at Korean expos.

Hashing: scrypt, werkzeug's default (N=2**15, r=8, p=1: 32 MiB of memory a check; the time
one hash takes here is printed by `python -m app.auth.passwords`); tests use a cheap pbkdf2
(PASSWORD_HASH_METHOD in config.py).
"""

import gzip
from functools import cache
from pathlib import Path

from flask_login import current_user
from wtforms.validators import ValidationError

from app.core.errors import DomainError
from app.i18n import _l

MIN_LENGTH = 8
LIST = Path(__file__).with_name("common_passwords.txt.gz")


class WeakPassword(DomainError):
    status = 400
    message = _l("Choose a password of at least 8 characters.")


class CommonPassword(WeakPassword):
    message = _l("This password is one of the most common ones, which are guessed first. "
                 "Choose another.")


class PasswordIsEmail(WeakPassword):
    message = _l("Your password must not be your e-mail address. Choose another.")


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(LIST, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def check_password(password: str, email: str | None = None) -> None:
    """Raise WeakPassword (or a subclass saying why) for a password that is refused."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword()
    folded = password.strip().casefold()
    if folded in common_passwords():
        raise CommonPassword()
    if email:
        address = email.strip().casefold()
        if folded in (address, address.split("@")[0]):
            raise PasswordIsEmail()


class StrongPassword:
    """Form validator: the same check, against the form's `email` field (registration) or the
    logged-in user's address (a password change)."""

    def __call__(self, form, field) -> None:
        email_field = getattr(form, "email", None)
        if email_field is not None:
            email = email_field.data
        else:
            email = current_user.email if current_user.is_authenticated else None
        try:
            check_password(field.data or "", email)
        except WeakPassword as error:
            raise ValidationError(error.text()) from error


if __name__ == "__main__":  # the hashing cost on this machine
    import time

    from werkzeug.security import generate_password_hash

    start = time.perf_counter()
    generate_password_hash("a long enough password", method="scrypt")
    print(f"scrypt (N=2**15, r=8, p=1): {(time.perf_counter() - start) * 1000:.0f} ms a hash")
