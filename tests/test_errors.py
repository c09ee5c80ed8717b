"""Failures a visitor can meet: NUL bytes in fields, a database error, a lost connection."""

import time

import pytest
from sqlalchemy import text

from app import create_app
from app.config import TestConfig
from app.extensions import db


@pytest.fixture
def failing_app(app):
    """An app on the test database, with routes that break the way production does, and
    server errors answered by pages instead of raised into the test."""
    failing = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                         PROPAGATE_EXCEPTIONS=False)

    @failing.get("/_broken-sql")
    def broken_sql():
        db.session.execute(text("SELECT * FROM no_such_table"))

    @failing.get("/_connection-lost")
    def connection_lost():
        # What a database restart does to a connection in use: the server ends it.
        db.session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
        db.session.execute(text("SELECT 1"))

    if failing.config["SQLALCHEMY_DATABASE_URI"] == "sqlite://":  # a database of its own
        import flask_migrate

        with failing.app_context():
            flask_migrate.upgrade()
    yield failing
    with failing.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("url", ["/suppliers?q=a%00b", "/products?q=%00", "/market?q=x%00"])
def test_nul_bytes_are_a_bad_request(failing_app, url):
    response = failing_app.test_client().get(url, headers={"Accept-Language": "ko"})
    assert response.status_code == 400
    assert "잘못된 요청" in response.text


def test_a_database_error_still_gets_the_error_page(failing_app):
    response = failing_app.test_client().get("/_broken-sql")
    assert response.status_code == 500
    assert "Something went wrong" in response.text
    assert failing_app.test_client().get("/").status_code == 200  # the next request is fine


def test_a_lost_connection_is_503_and_the_next_request_reconnects(failing_app):
    with failing_app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("a server ending the connection: PostgreSQL only")
    client = failing_app.test_client()
    response = client.get("/_connection-lost", headers={"Accept-Language": "ko"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "몇 초 후에 다시 시도해 주세요" in response.text
    assert client.get("/suppliers").status_code == 200


@pytest.mark.parametrize("url", ["postgresql+psycopg://postgres@127.0.0.1:1/nothing",
                                 "sqlite:////nonexistent-directory/expomatch.db"])
def test_a_database_refusing_connections_is_503(url):
    """What a restarting server does to new connections (nothing listens on port 1; SQLite
    cannot open a file in a missing directory): the translated 503 page, not a server error."""
    unreachable = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, PROPAGATE_EXCEPTIONS=False)
    guest, signed_in = unreachable.test_client(), unreachable.test_client()
    with signed_in.session_transaction() as session:  # whose account cannot be read now
        session["_user_id"], session["_fresh"] = f"1:token:{int(time.time())}:nonce", True
    for client, page in ((guest, "/suppliers"), (signed_in, "/buyers/1/matches")):
        response = client.get(page, headers={"Accept-Language": "ko"})
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
        assert "몇 초 후에 다시 시도해 주세요" in response.text
    with unreachable.app_context():
        db.engine.dispose()
