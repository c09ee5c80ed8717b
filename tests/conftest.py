"""Fixtures: one app per session, each test isolated in a transaction it never commits."""

import io
from decimal import Decimal

import flask_migrate
import pytest
from flask.testing import FlaskClient
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import text
from sqlalchemy.orm import scoped_session, sessionmaker

from app import create_app
from app.auth import services as auth_services
from app.auth.models import Role
from app.buyers.models import Buyer
from app.catalogue.models import Company, Product
from app.config import TestConfig
from app.extensions import db as _db

PASSWORD = "correct horse battery"


def _reset_database() -> None:
    """Start from an empty database, then build it with the real Alembic migrations."""
    if _db.engine.dialect.name == "postgresql":
        with _db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    flask_migrate.upgrade()


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    from app.jobs.queue import huey

    huey.immediate = True  # jobs run in the test's process; test_jobs.py runs a real consumer
    app = create_app(TestConfig, MATCHING_INDEX_DIR=str(tmp_path_factory.mktemp("index")))
    with app.app_context():
        _reset_database()
    return app


@pytest.fixture
def db(app, monkeypatch):
    """SQLAlchemy's "join an external transaction" recipe: a commit (in views, the CLI or the
    factories below) releases a savepoint, a rollback (the error handler's) returns to the last
    one; the outer transaction is rolled back after the test.

    The factories commit, so that requests (each with a session of its own, see
    IsolatedClient) see their rows.
    """
    with app.app_context():
        connection = _db.engine.connect()
        transaction = connection.begin()
        session = scoped_session(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
            scopefunc=_app_ctx_id)
        monkeypatch.setattr(_db, "session", session)
        try:
            yield _db
        finally:
            session.remove()
            transaction.rollback()
            connection.close()


class IsolatedClient(FlaskClient):
    """Each request in its own app context, as in production: its own `g` (locale, logged-in
    user) and its own session; the test's session is expired afterwards to see its writes."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        _db.session.expire_all()
        return response


@pytest.fixture
def separate_database(tmp_path):
    """Concurrency needs committed rows seen from several connections: a database of its own
    (a PostgreSQL database next to the test one, or an SQLite file)."""
    import os
    import uuid

    from sqlalchemy import create_engine

    base = os.environ.get("TEST_DATABASE_URL")
    if base:
        name = f"expomatch_race_{uuid.uuid4().hex[:8]}"
        admin = create_engine(TestConfig.SQLALCHEMY_DATABASE_URI, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = TestConfig.SQLALCHEMY_DATABASE_URI.rsplit("/", 1)[0] + f"/{name}"
    else:
        url = f"sqlite:///{tmp_path / 'race.db'}"
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url,
                     MARKET_UPLOAD_DIR=str(tmp_path / "uploads"),
                     SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 5} if base else {})
    with app.app_context():
        flask_migrate.upgrade()
    yield app
    with app.app_context():
        _db.engine.dispose()
    if base:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def client(app, db):
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def runner(app, db):
    return app.test_cli_runner()


@pytest.fixture
def make_company(db):
    counter = iter(range(1, 10_000))

    def make(name_ko: str = "강원쌀면(주)", supplier_ref: str | None = None, **fields) -> Company:
        company = Company(supplier_ref=supplier_ref or f"T{next(counter):04d}", name_ko=name_ko,
                          **fields)
        db.session.add(company)
        db.session.commit()
        return company

    return make


@pytest.fixture
def make_product(db):
    counter = iter(range(1, 10_000))

    def make(company: Company, name_ko: str = "현미 쌀국수", **fields) -> Product:
        fields.setdefault("description_ko", "강원도 현미로 만든 글루텐프리 쌀국수입니다.")
        fields.setdefault("product_ref", f"TP{next(counter):04d}")
        fields.setdefault("unit_price_usd", Decimal("1.20"))
        product = Product(company=company, name_ko=name_ko, **fields)
        db.session.add(product)
        db.session.commit()
        return product

    return make


@pytest.fixture
def make_buyer(db):
    counter = iter(range(1, 10_000))

    def make(company_name: str = "Kiwi Imports Ltd", **fields) -> Buyer:
        fields.setdefault("buyer_ref", f"TB{next(counter):04d}")
        fields.setdefault("country", "NZ")
        fields.setdefault("language", "en")
        fields.setdefault("interests", "Gluten-free rice noodles for supermarkets.")
        buyer = Buyer(company_name=company_name, **fields)
        db.session.add(buyer)
        db.session.commit()
        return buyer

    return make


@pytest.fixture
def make_user(db, make_company, make_buyer):
    counter = iter(range(1, 10_000))

    def make(role: Role | str = Role.SUPPLIER, *, company: Company | None = None,
             buyer: Buyer | None = None, locale: str | None = None):
        role = Role(role)
        owner = {}
        if role == Role.SUPPLIER:
            owner["company_id"] = (company or make_company()).id
        elif role == Role.BUYER:
            owner["buyer_id"] = (buyer or make_buyer()).id
        user = auth_services.create_user(f"user{next(counter)}@example.com", PASSWORD, role,
                                         locale=locale, **owner)
        db.session.commit()
        return user

    return make


@pytest.fixture
def login(client):
    def log_in(user) -> None:
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.text

    return log_in


def csv_bytes(header: list[str], rows: list[list[str]]) -> io.BytesIO:
    import csv

    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return io.BytesIO(out.getvalue().encode("utf-8"))


@pytest.fixture(scope="session")
def default_embedder(app):
    """The configured model, loaded once for the whole session."""
    from app.matching.embedders import load_embedder

    return load_embedder(app.config["MATCHING_EMBEDDER"])


@pytest.fixture
def matching(app, db, tmp_path, default_embedder):
    """A matching engine with the real default model, a fresh index folder and no state left
    from other tests (a test may switch models: that stays inside the test)."""
    from app.matching.engine import MatchingEngine

    app.config["MATCHING_INDEX_DIR"] = str(tmp_path / "index")
    fresh = MatchingEngine(app)
    fresh.use_embedder(default_embedder)
    previous = app.extensions["matching"]
    app.extensions["matching"] = fresh
    yield fresh
    app.extensions["matching"] = previous
