"""Revocable log-ins.

Flask-Login keeps `User.get_id()` in the session cookie and, for "Keep me logged in", in the
signed remember cookie. That id is `<user id>:<session token>:<issued at>:<nonce>`:

- the user's `session_token` must still match, so replacing it (logout, a password change or
  reset) ends every session and remember cookie of that user at once;
- a log-in older than REMEMBER_COOKIE_DURATION is refused, whatever the browser keeps;
- the time and nonce make every log-in's cookie different (remember tokens rotate).
"""

import hmac
import time
from datetime import timedelta

from flask import current_app, request
from flask_login import login_user

from app.auth.models import User, new_session_token
from app.extensions import db
from app.ids import MAX_ID


def load_user(login_id: str) -> User | None:
    """The user a session or remember cookie names, if that log-in is still valid."""
    parts = login_id.split(":")
    if len(parts) != 4:
        return None
    user_id, token, issued, _nonce = parts
    if not (user_id.isascii() and user_id.isdigit() and issued.isascii() and issued.isdigit()):
        return None
    if int(user_id) > MAX_ID:
        return None
    duration: timedelta = current_app.config["REMEMBER_COOKIE_DURATION"]
    if int(issued) + duration.total_seconds() < time.time():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not hmac.compare_digest(user.session_token.encode(), token.encode()):
        return None
    return user


def end_all_sessions(user: User) -> None:
    """Every session and remember cookie of this user stops working."""
    user.session_token = new_session_token()
    db.session.flush()


def renew_login(user: User) -> None:
    """After end_all_sessions(), keep the browser that asked logged in (with its remember
    cookie if it had one); call after the commit."""
    remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") \
        in request.cookies
    login_user(user, remember=remembered)
