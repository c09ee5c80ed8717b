"""End-to-end fixtures: a live server on its own SQLite file and a headless Debian Chromium.

The live server is a separate app, not the `app`/`db` fixtures of tests/conftest.py: those keep
a transaction open on the shared test database, and the browser's requests must be committed
for real, with CSRF protection on as in production.
"""

import os
import threading
from pathlib import Path

import flask_migrate
import pytest
from werkzeug.serving import make_server

from app import create_app
from app.config import TestConfig
from app.extensions import db

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The base URL of the app served on a free local port in a daemon thread."""
    tmp = tmp_path_factory.mktemp("e2e")
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp}/e2e.db",
                     WTF_CSRF_ENABLED=True)
    with app.app_context():
        flask_migrate.upgrade()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright; `make test` installs it when it is missing."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} not found: run `make test`, which installs chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
