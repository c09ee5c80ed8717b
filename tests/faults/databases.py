"""A database of a test's own, with the configuration's real engine options.

(`separate_database` in tests/conftest.py replaces SQLALCHEMY_ENGINE_OPTIONS; the fault and
log tests need the configured ones: pool_pre_ping, hide_parameters.)
"""

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import flask_migrate
from flask import Flask
from sqlalchemy import create_engine, text

from app import create_app
from app.config import TestConfig
from app.extensions import db


def on_postgresql() -> bool:
    return bool(os.environ.get("TEST_DATABASE_URL"))


@contextmanager
def database_url(tmp_path: Path, label: str = "own") -> Iterator[str]:
    """A new, empty PostgreSQL database next to the test one, or an SQLite file."""
    if not on_postgresql():
        yield f"sqlite:///{tmp_path / f'{label}.db'}"
        return
    name = f"{TestConfig.SQLALCHEMY_DATABASE_URI.rsplit('/', 1)[1]}_{label}_" \
           f"{uuid.uuid4().hex[:8]}"
    admin = create_engine(TestConfig.SQLALCHEMY_DATABASE_URI, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield TestConfig.SQLALCHEMY_DATABASE_URI.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def app_on_own_database(tmp_path: Path, label: str = "own", **overrides) -> Iterator[Flask]:
    """A migrated app on its own database; the session app's limiter settings come back after."""
    with database_url(tmp_path, label) as url:
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url,
                         MARKET_UPLOAD_DIR=str(tmp_path / "uploads"), **overrides)
        with app.app_context():
            flask_migrate.upgrade()
        try:
            yield app
        finally:
            with app.app_context():
                db.engine.dispose()
