"""Alembic revisions upgrade a database that holds data without losing any of it."""

import flask_migrate
from sqlalchemy import text

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
