"""The app keeps working after PostgreSQL restarts.

A restart ends every server process, so each connection in the app's pool is dead. Here the
same thing is done to the app's own database only, with pg_terminate_backend (restarting the
server would hit everyone's tests; bench/faults.py restarts it for real). With pool_pre_ping
(app/config.py) the next request gets a fresh connection; without it, that request fails.
"""

import pytest
from sqlalchemy import create_engine, text

from tests.faults.databases import app_on_own_database, on_postgresql

pytestmark = pytest.mark.skipif(not on_postgresql(), reason="needs TEST_DATABASE_URL (PostgreSQL)")
PAGES = ["/healthz", "/suppliers", "/products", "/"]


def terminate_the_apps_connections(url: str) -> int:
    """What a restart does to the pool: every other backend of this database ends."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            return len(connection.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()")).all())
    finally:
        engine.dispose()


def test_requests_succeed_right_after_the_connections_died(tmp_path):
    with app_on_own_database(tmp_path, "restart") as app:
        assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True
        client = app.test_client()
        for page in PAGES:
            assert client.get(page).status_code == 200
        for _round in range(3):
            assert terminate_the_apps_connections(app.config["SQLALCHEMY_DATABASE_URI"]) >= 1
            for page in PAGES:
                assert client.get(page).status_code == 200, page


def test_without_pre_ping_the_first_request_after_would_fail(tmp_path):
    """The control: it is pool_pre_ping that saves the request above."""
    with app_on_own_database(tmp_path, "restart", SQLALCHEMY_ENGINE_OPTIONS={
            "pool_pre_ping": False, "hide_parameters": True}) as app:
        client = app.test_client()
        assert client.get("/healthz").status_code == 200
        assert terminate_the_apps_connections(app.config["SQLALCHEMY_DATABASE_URI"]) >= 1
        # The lost connection is answered 503 (app/web/errors.py), not served a broken page.
        assert client.get("/healthz").status_code == 503
        assert client.get("/healthz").status_code == 200  # the dead pool was thrown away
