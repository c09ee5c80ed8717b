"""Browsers that have logged in before ("device cookies", as OWASP describes them).

Hundreds of people at a venue share one address: its failed log-ins must not lock out the
others. A browser gets a signed, random device id at its first successful log-in; its later
attempts are counted per device rather than per address, so a browser guessing passwords
locks out only itself, while browsers without one share the address's limit (a guesser cannot
make a device id without logging in).
"""

import secrets

from flask import after_this_request, current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "login_device"
MAX_AGE = 365 * 24 * 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="login-device")


def device_id() -> str | None:
    """The id of this browser's valid device cookie, if it has one."""
    raw = request.cookies.get(COOKIE)
    if not raw or len(raw) > 200:
        return None
    try:
        return str(_serializer().loads(raw, max_age=MAX_AGE))
    except BadSignature:
        return None


def remember_device() -> None:
    """After a successful log-in: give the browser a device id (once), sent with the response."""
    if device_id() is not None:
        return
    token = _serializer().dumps(secrets.token_urlsafe(16))

    @after_this_request
    def set_cookie(response):
        response.set_cookie(COOKIE, token, max_age=MAX_AGE, httponly=True, samesite="Lax",
                            secure=request.is_secure, path="/login")
        return response
