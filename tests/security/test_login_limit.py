"""Log-in throttling: failed attempts per account and per address, never successful ones."""

import shutil
import socket
import subprocess
import time

import pytest

from app.auth.models import Role
from tests.conftest import PASSWORD

WAIT_MESSAGES = {"en": "Too many failed log-in attempts. Try again in 1 minute.",
                 "ko": "로그인에 여러 번 실패했습니다. 1분 후에 다시 시도하세요."}


def attempt(client, email, password="wrong password", language="en", address="127.0.0.1"):
    return client.post("/login", data={"email": email, "password": password},
                       headers={"Accept-Language": language},
                       environ_base={"REMOTE_ADDR": address})


@pytest.mark.parametrize("language", ["en", "ko"])
def test_sixth_failed_attempt_gets_429_in_the_users_language(client, make_user, language):
    user = make_user(Role.SUPPLIER)
    for _attempt in range(5):
        response = attempt(client, user.email, language=language)
        assert response.status_code == 200
    refused = attempt(client, user.email.upper(), language=language)  # same account
    assert refused.status_code == 429
    assert WAIT_MESSAGES[language] in refused.text
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    # The right password does not get through either until the minute is over.
    assert attempt(client, user.email, PASSWORD, language).status_code == 429


def test_other_accounts_are_not_affected(client, make_user):
    victim, other = make_user(Role.BUYER), make_user(Role.BUYER)
    for _attempt in range(6):
        attempt(client, victim.email)
    assert attempt(client, victim.email).status_code == 429
    assert attempt(client, other.email, PASSWORD).status_code == 302


def test_successful_log_ins_are_never_counted_and_clear_the_account(client, make_user):
    user = make_user(Role.ORGANISER)
    for _round in range(8):
        assert attempt(client, user.email, PASSWORD).status_code == 302
        client.post("/logout")
    for _attempt in range(4):
        attempt(client, user.email)
    assert attempt(client, user.email, PASSWORD).status_code == 302
    client.post("/logout")
    for _attempt in range(5):  # the four failures before the log-in were forgiven
        assert attempt(client, user.email).status_code == 200
    assert attempt(client, user.email).status_code == 429


def test_one_address_trying_many_accounts_is_stopped(client, make_user):
    user = make_user(Role.SUPPLIER)
    for number in range(20):
        assert attempt(client, f"guess{number}@example.com", address="203.0.113.9"
                       ).status_code == 200
    assert attempt(client, "guess99@example.com", address="203.0.113.9").status_code == 429
    assert attempt(client, user.email, PASSWORD, address="203.0.113.9").status_code == 429
    # Another address is not affected.
    assert attempt(client, user.email, PASSWORD, address="198.51.100.7").status_code == 302


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    port = _free_port()
    process = subprocess.Popen([server, "--port", str(port), "--save", "", "--appendonly", "no",
                                "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    import redis

    connection = redis.Redis(port=port)
    for _try in range(100):
        try:
            connection.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(10)


def test_counts_live_in_redis_for_every_worker_without_emails(app, db, make_user, redis_url):
    """Two apps (two gunicorn workers) on one Redis: failures in one count in the other."""
    import redis

    from app import create_app
    from app.config import TestConfig
    from app.extensions import limiter

    user = make_user(Role.SUPPLIER)
    workers = [create_app(TestConfig, RATELIMIT_STORAGE_URI=redis_url) for _worker in range(2)]
    try:
        for number in range(5):
            worker = workers[number % 2]
            with worker.app_context():
                response = attempt(worker.test_client(), user.email)
            assert response.status_code == 200
        with workers[1].app_context():
            assert attempt(workers[1].test_client(), user.email).status_code == 429
        stored = redis.Redis.from_url(redis_url)
        keys = [key.decode() for key in stored.keys("*")]
        assert keys, "the counts are in Redis"
        assert not any(user.email in key or "example.com" in key for key in keys)
    finally:
        limiter.init_app(app)  # back to the session app's memory storage


def test_behind_a_trusted_proxy_the_client_address_counts(app, db, make_user):
    """With TRUSTED_PROXY_HOPS=1 (nginx in front), X-Forwarded-For tells clients apart;
    without it every client would share the proxy's address and its 20 attempts."""
    from app import create_app
    from app.config import TestConfig
    from app.extensions import limiter

    proxied = create_app(TestConfig, TRUSTED_PROXY_HOPS=1)
    try:
        with proxied.app_context():
            client = proxied.test_client()
            for number in range(21):
                client.post("/login", data={"email": f"g{number}@example.com", "password": "x"},
                            headers={"X-Forwarded-For": "203.0.113.50"})
            refused = client.post("/login", data={"email": "g@example.com", "password": "x"},
                                  headers={"X-Forwarded-For": "203.0.113.50"})
            other = client.post("/login", data={"email": "g@example.com", "password": "x"},
                                headers={"X-Forwarded-For": "198.51.100.60"})
        assert (refused.status_code, other.status_code) == (429, 200)
    finally:
        limiter.init_app(app)


def test_a_nul_in_the_email_is_a_bad_request_not_a_server_error(client, make_user):
    """PostgreSQL refuses NUL in a query: such a field never reaches it (app/web/errors.py)."""
    user = make_user(Role.SUPPLIER)
    response = attempt(client, user.email + "\x00")
    assert response.status_code == 400
    assert "Bad request" in response.text
    assert attempt(client, user.email, PASSWORD).status_code == 302  # not locked out
