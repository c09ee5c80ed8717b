"""End-to-end fixtures: live servers on their own SQLite files and a headless Debian Chromium.

A live server is a separate app, not the `app`/`db` fixtures of tests/conftest.py: those keep
a transaction open on the shared test database, and the browser's requests must be committed
for real, with CSRF protection on as in production.
"""

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import flask_migrate
import pytest
from flask import Flask
from werkzeug.serving import make_server

from app import create_app
from app.config import TestConfig
from app.extensions import db

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def live_app(folder: Path) -> Flask:
    """An app on an SQLite file of its own in `folder`, migrated, with CSRF on."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder}/e2e.db",
                     MATCHING_INDEX_DIR=str(folder / "index"),
                     MARKET_UPLOAD_DIR=str(folder / "uploads"), WTF_CSRF_ENABLED=True)
    with app.app_context():
        flask_migrate.upgrade()
    return app


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """Serve `app` on a free local port in a daemon thread; yields the base URL."""
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
def live_server(tmp_path_factory):
    """The base URL of the app served on an empty database."""
    with serve(live_app(tmp_path_factory.mktemp("e2e"))) as url:
        yield url


@dataclass(frozen=True)
class DemoServer:
    url: str
    app: Flask  # the served app: read or arrange its data inside `app.app_context()`


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    """A live server with the demo expo loaded and matched, as `make run` serves it.

    Jobs the server starts run at once in its request thread (the tests run no consumer).
    """
    from app.jobs.queue import huey

    app = live_app(tmp_path_factory.mktemp("e2e-demo"))
    runner = app.test_cli_runner()
    for command in (["demo", "load"], ["match", "reindex"]):
        result = runner.invoke(args=command)
        assert result.exit_code == 0, result.output
    immediate, huey.immediate = huey.immediate, True
    try:
        with serve(app) as url:
            yield DemoServer(url, app)
    finally:
        huey.immediate = immediate


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
