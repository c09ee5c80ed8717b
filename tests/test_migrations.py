"""Alembic revisions upgrade a database that holds data without losing any of it."""

import json
import os
import uuid

import flask_migrate
import pytest
import sqlalchemy as sa
from sqlalchemy import create_engine, text

from app import create_app
from app.config import TestConfig
from app.extensions import db


def test_upgrade_keeps_catalogue_rows(tmp_path):
    """SQLite batch migrations rebuild tables; foreign-key cascades must not fire then."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'm.db'}")
    with app.app_context():
        flask_migrate.upgrade(revision="0001")
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO company (id, supplier_ref, name_ko, created_at) "
                "VALUES (1, 'S1', '강원쌀면', '2025-01-01')"))
            connection.execute(text(
                "INSERT INTO product (id, company_id, product_ref, name_ko, description_ko, "
                "created_at, updated_at) VALUES (1, 1, 'P1', '쌀국수', '설명', '2025-01-01', "
                "'2025-01-01')"))
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM product")).scalar() == 1
            assert connection.execute(text("SELECT languages FROM company")).scalar() == "ko"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        db.engine.dispose()


@pytest.fixture
def empty_database(tmp_path):
    """An app on a database of its own with no table yet: an SQLite file, or on PostgreSQL
    (TEST_DATABASE_URL) a database created beside the test one and dropped afterwards."""
    base = os.environ.get("TEST_DATABASE_URL")
    if base:
        name = f"expomatch_migrate_{uuid.uuid4().hex[:8]}"
        admin = create_engine(TestConfig.SQLALCHEMY_DATABASE_URI, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = TestConfig.SQLALCHEMY_DATABASE_URI.rsplit("/", 1)[0] + f"/{name}"
    else:
        url = f"sqlite:///{tmp_path / 'm.db'}"
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    yield app
    with app.app_context():
        db.engine.dispose()
    if base:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_moves_json_held_in_text_into_json_columns(empty_database):
    """0009: job results and notification parameters, JSON written as text, become JSON
    columns with every value kept; a result from before results were JSON is kept as its
    error; downgrading writes the text back."""
    with empty_database.app_context():
        flask_migrate.upgrade(revision="0008")
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO \"user\" (id, email, password_hash, role, created_at) "
                "VALUES (1, 'ops@example.org', 'x', 'organiser', '2026-01-01 00:00:00+00')"))
            connection.execute(text(
                "INSERT INTO job (id, kind, status, step, done, total, result, created_at, "
                "parameters) VALUES "
                "(1, 'reindex', 'done', '', 1, 1, '{\"product\": 1, \"buyer\": 0}', "
                "'2026-01-01 00:00:00+00', '{}'), "
                "(2, 'reindex', 'failed', '', 0, 1, 'Traceback: boom', "
                "'2026-01-01 00:00:00+00', '{}'), "
                "(3, 'schedule', 'queued', '', 0, 0, NULL, '2026-01-01 00:00:00+00', "
                "'{\"event_id\": 3}')"))
            connection.execute(text(
                "INSERT INTO notification (id, user_id, kind, params, link, created_at) VALUES "
                "(1, 1, 'request_received', '{\"name\": \"강원쌀면\", \"slot_id\": 7}', '', "
                "'2026-01-01 00:00:00+00'), "
                "(2, 1, 'meeting_cancelled', '{}', '', '2026-01-01 00:00:00+00')"))
        flask_migrate.upgrade(revision="0009")

        job = sa.table("job", sa.column("id"), sa.column("result", sa.JSON))
        notification = sa.table("notification", sa.column("id"), sa.column("params", sa.JSON))
        with db.engine.connect() as connection:
            results = dict(connection.execute(sa.select(job.c.id, job.c.result)).all())
            params = dict(connection.execute(
                sa.select(notification.c.id, notification.c.params)).all())
        assert results == {1: {"product": 1, "buyer": 0}, 2: {"error": "Traceback: boom"},
                           3: None}
        assert params == {1: {"name": "강원쌀면", "slot_id": 7}, 2: {}}
        types = {column["name"]: column["type"] for table in ("job", "notification")
                 for column in sa.inspect(db.engine).get_columns(table)
                 if column["name"] in ("result", "params")}
        assert all(isinstance(kind, sa.JSON) for kind in types.values()), types
        if db.engine.dialect.name == "sqlite":  # the batch copy kept the partial index
            index = db.session.scalar(text(
                "SELECT sql FROM sqlite_master WHERE name = 'ix_job_one_active_per_subject'"))
            assert "WHERE" in index
            db.session.remove()

        flask_migrate.downgrade(revision="0008")
        with db.engine.connect() as connection:
            texts = dict(connection.execute(text("SELECT id, params FROM notification")).all())
        assert json.loads(texts[1]) == {"name": "강원쌀면", "slot_id": 7}
        flask_migrate.upgrade()
