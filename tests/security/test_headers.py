"""Cookies and response headers: secure cookies in production, CSP and friends on every page,
and every form that posts carries a CSRF token."""

import re

import flask_migrate
import pytest

from app.auth.models import Role
from app.config import ProductionConfig
from tests.conftest import PASSWORD
from tests.security.test_routes import (
    ENDPOINTS,
    GET_ENDPOINTS,
    LOGGED_IN,
    NO_SUCH_PRIVATE,
    NO_SUCH_PUBLIC,
    PUBLIC,
    url_for_world,
)
from tests.test_authorisation import world  # noqa: F401  (the fixture)

HTML_HEADERS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
                "Referrer-Policy": "same-origin"}
CSP_DIRECTIVES = ["default-src 'self'", "script-src 'self'", "style-src 'self'",
                  "frame-ancestors 'none'", "form-action 'self'"]
POST_FORM = re.compile(r"<form\b[^>]*\bmethod=\"post\"[^>]*>(.*?)</form>", re.S | re.I)
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>\s*\S", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


@pytest.fixture
def production_app(app, tmp_path):
    """An app with ProductionConfig's cookie settings on an SQLite file of its own."""
    class Production(ProductionConfig):
        ENV_NAME = "production"
        SECRET_KEY = "a-production-secret-of-more-than-32-characters"
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'production.db'}"
        RATELIMIT_STORAGE_URI = "memory://"
        PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"

    from app import create_app
    from app.auth import services
    from app.extensions import db, limiter

    production = create_app(Production)
    with production.app_context():
        flask_migrate.upgrade()
        services.create_user("organiser@example.com", PASSWORD, Role.ORGANISER)
        db.session.commit()
    yield production
    with production.app_context():
        db.engine.dispose()
    limiter.init_app(app)  # the limiter is shared: back to the session app's settings


# Over HTTPS, Flask-WTF also wants the Referer to be this site.
SAME_SITE = {"Referer": "https://expomatch.example/login"}


def _cookie_flags(response, name: str) -> str:
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(name + "="):
            return header
    raise AssertionError(f"no {name} cookie in {response.headers.getlist('Set-Cookie')}")


def test_production_cookies_are_secure_httponly_and_lax(production_app):
    client = production_app.test_client()
    page = client.get("/login", base_url="https://expomatch.example")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    response = client.post("/login", data={"email": "organiser@example.com", "csrf_token": token,
                                           "password": PASSWORD, "remember": "y"},
                           base_url="https://expomatch.example", headers=SAME_SITE)
    assert response.status_code == 302
    for name in ("session", "remember_token"):
        flags = _cookie_flags(response, name)
        assert "; Secure" in flags, flags
        assert "; HttpOnly" in flags, flags
        assert "SameSite=Lax" in flags, flags
    language = client.post("/language/ko", data={"csrf_token": token},
                           base_url="https://expomatch.example", headers=SAME_SITE)
    assert "; Secure" in _cookie_flags(language, "locale")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_production_refuses_the_development_secret(tmp_path):
    from app import create_app

    class Careless(ProductionConfig):
        ENV_NAME = "production"
        SECRET_KEY = "dev-only-not-secret"

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(Careless)


def _actor_for(who) -> str:
    """Anonymous for public pages, else the organiser or the owner allowed to see the page."""
    if who in (PUBLIC, NO_SUCH_PUBLIC):
        return "anonymous"
    if who == NO_SUCH_PRIVATE:
        return "organiser"
    return "organiser" if who == LOGGED_IN or "organiser" in who else sorted(who)[0]


def test_every_page_has_the_security_headers_and_tokens_in_its_forms(
        app, client, world, monkeypatch):  # noqa: F811
    visitors = {}
    for endpoint in GET_ENDPOINTS:
        actor = _actor_for(ENDPOINTS[endpoint][1])
        if actor not in visitors:
            visitors[actor] = app.test_client()
            if actor != "anonymous":
                visitors[actor].post("/login", data={"email": world["users"][actor].email,
                                                     "password": PASSWORD})
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)  # forms render their tokens
    html_pages = 0
    for endpoint in GET_ENDPOINTS:
        visitor = visitors[_actor_for(ENDPOINTS[endpoint][1])]
        response = visitor.get(url_for_world(app, world, endpoint))
        expected = (404,) if ENDPOINTS[endpoint][1] in (NO_SUCH_PUBLIC, NO_SUCH_PRIVATE) \
            else (200, 302)
        assert response.status_code in expected, (endpoint, response.status_code)
        assert response.headers["X-Content-Type-Options"] == "nosniff", endpoint
        if response.mimetype != "text/html":
            continue
        html_pages += 1
        for name, value in HTML_HEADERS.items():
            assert response.headers.get(name) == value, (endpoint, name)
        policy = response.headers["Content-Security-Policy"]
        for directive in CSP_DIRECTIVES:
            assert directive in policy, (endpoint, directive)
        page = response.get_data(as_text=True)
        for form in POST_FORM.findall(page):
            assert 'name="csrf_token"' in form or '-csrf_token"' in form, (endpoint, form[:300])
        # The policy would block inline scripts and handlers: the pages must not need them.
        assert not INLINE_SCRIPT.search(page), endpoint
        assert not INLINE_HANDLER.search(page), endpoint
    assert html_pages >= 40


@pytest.mark.parametrize("url", ["/no-such-page", "/suppliers/999999"])
def test_error_pages_have_the_headers_too(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP in development
