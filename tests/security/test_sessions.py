"""Sessions are revocable: logout, a password change and a reset end every copy of a log-in,
and "Keep me logged in" cookies rotate at every log-in and expire."""

from datetime import UTC, datetime, timedelta

import pytest

from app.auth.models import Role
from tests.conftest import PASSWORD

COOKIES = ("session", "remember_token")


def log_in(app, user, password=PASSWORD):
    """A browser that logged in with "Keep me logged in"; returns it and its cookies."""
    browser = app.test_client()
    response = browser.post("/login", data={"email": user.email, "password": password,
                                            "remember": "y"})
    assert response.status_code == 302, response.text
    assert browser.get("/account").status_code == 200
    return browser, {name: browser.get_cookie(name).value for name in COOKIES}


def opens_account(app, name: str, value: str) -> bool:
    """Whether a browser holding only this one cookie gets /account."""
    thief = app.test_client()
    thief.set_cookie(name, value)
    return thief.get("/account").status_code == 200


@pytest.mark.parametrize("cookie", COOKIES)
def test_logout_ends_the_session_and_the_remember_cookie(app, client, make_user, cookie):
    user = make_user(Role.SUPPLIER)
    browser, stolen = log_in(app, user)
    assert opens_account(app, cookie, stolen[cookie])
    browser.post("/logout")
    assert browser.get("/account").status_code == 302
    assert not opens_account(app, cookie, stolen[cookie])


@pytest.mark.parametrize("cookie", COOKIES)
def test_a_password_change_ends_other_sessions_but_keeps_this_one(app, client, make_user, cookie):
    user = make_user(Role.BUYER)
    _elsewhere, stolen = log_in(app, user)
    browser, _cookies = log_in(app, user)
    response = browser.post("/account", data={
        "pw-current": PASSWORD, "pw-password": "a new long secret 9",
        "pw-confirm": "a new long secret 9", "pw-submit": "1"})
    assert response.status_code == 302
    assert browser.get("/account").status_code == 200  # the one who changed it stays in
    assert not opens_account(app, cookie, stolen[cookie])


def test_a_reset_from_the_command_line_ends_every_session(app, client, make_user, runner):
    user = make_user(Role.ORGANISER)
    _browser, stolen = log_in(app, user)
    result = runner.invoke(args=["users", "set-password", user.email, "--password",
                                 "reset by the organiser 7"])
    assert result.exit_code == 0, result.output
    for name in COOKIES:
        assert not opens_account(app, name, stolen[name])
    log_in(app, user, "reset by the organiser 7")


def test_remember_cookies_rotate_and_expire(app, client, make_user, monkeypatch):
    user = make_user(Role.SUPPLIER)
    first, one = log_in(app, user)
    _second, two = log_in(app, user)
    assert one["remember_token"] != two["remember_token"]
    # Both devices stay logged in: a log-in elsewhere does not end this one.
    assert first.get("/account").status_code == 200
    # The browser is told to drop the cookie within the configured duration...
    cookie = first.get_cookie("remember_token")
    assert cookie.expires is not None
    assert cookie.expires <= datetime.now(UTC) + timedelta(days=31)
    # ...and the server refuses one older than that, whatever the browser does.
    assert opens_account(app, "remember_token", two["remember_token"])
    monkeypatch.setitem(app.config, "REMEMBER_COOKIE_DURATION", timedelta(seconds=-1))
    assert not opens_account(app, "remember_token", two["remember_token"])
    assert not opens_account(app, "session", two["session"])


def test_a_forged_or_old_style_id_is_refused(app, client, make_user):
    """The id in a session is the user's id and session token: the bare id of an old cookie
    (or a guess) opens nothing."""
    user = make_user(Role.SUPPLIER)
    browser = app.test_client()
    with browser.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    assert browser.get("/account").status_code == 302
    with browser.session_transaction() as session:
        session["_user_id"] = "99999999999999999999999:x:1"
    assert browser.get("/account").status_code == 302
