"""Log-in throttling with Flask-Limiter: failed attempts per account and per address.

Only failed attempts count (`deduct_when`), and a successful log-in clears its account's count.
A browser that has logged in before is counted by its device id instead of its address
(devices.py), so that one guesser on a venue's shared address does not lock out the others.
The account is keyed by a keyed hash of the email: neither the limiter's storage (Redis) nor
its log lines hold an address.
"""

import hashlib
import hmac
import math
import time
from collections.abc import Callable

from flask import current_app, g, request
from flask_limiter.util import get_remote_address

from app.auth.devices import device_id
from app.auth.services import normalize_email
from app.extensions import limiter

EMAIL_KEY = "login-email:"
ADDRESS_KEY = "login-address:"
DEVICE_KEY = "login-device:"


def account_key() -> str:
    email = normalize_email(request.form.get("email", ""))
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return EMAIL_KEY + hmac.new(secret, email.encode(), hashlib.sha256).hexdigest()[:32]


def address_key() -> str:
    """The address, or this browser's device id when it has logged in before (devices.py):
    a venue's shared address is then not one bucket for everyone."""
    device = device_id()
    if device is not None:
        return DEVICE_KEY + device
    return ADDRESS_KEY + (get_remote_address() or "unknown")


def mark_failed() -> None:
    """Count this request against its account and address."""
    g.login_failed = True


def _failed(_response) -> bool:
    return bool(g.get("login_failed"))


def login_limits(view: Callable) -> Callable:
    """Decorator for the log-in view: LOGIN_LIMIT_PER_EMAIL and LOGIN_LIMIT_PER_IP on POST."""
    per_account = limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_EMAIL"],
                                key_func=account_key, methods=["POST"], deduct_when=_failed)
    per_address = limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"],
                                key_func=address_key, methods=["POST"], deduct_when=_failed)
    return per_address(per_account(view))


def forgive_account() -> None:
    """After a successful log-in, forget the account's failed attempts (not the address's)."""
    for current in limiter.current_limits:
        if any(str(arg).startswith(EMAIL_KEY) for arg in current.request_args):
            limiter.limiter.clear(current.limit, *current.request_args)


def seconds_to_wait() -> int:
    """Until the breached limit lets the next attempt through (at least one second)."""
    current = limiter.current_limit
    if current is None:
        return 60
    return max(1, math.ceil(current.window[0] - time.time()))
