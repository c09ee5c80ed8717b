"""The application factory and its configuration."""

import pytest

from app import create_app
from app.config import Config, TestConfig, database_url


def test_testing_config(app):
    assert app.testing
    assert app.config["MAX_CONTENT_LENGTH"] == 5 * 1024 * 1024


def test_production_refuses_development_secret():
    class Production(Config):
        ENV_NAME = "production"

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(Production)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(Production, SECRET_KEY="short")
    app = create_app(Production, SECRET_KEY="x" * 48, SQLALCHEMY_DATABASE_URI="sqlite://")
    assert app.config["SECRET_KEY"] == "x" * 48


def test_postgres_urls_use_psycopg3():
    assert database_url("postgres://u@h/db", "sqlite://") == "postgresql+psycopg://u@h/db"
    assert database_url("postgresql://u@h/db", "x") == "postgresql+psycopg://u@h/db"
    assert database_url(None, "sqlite:///x.db") == "sqlite:///x.db"


def test_security_headers(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_health(client):
    assert client.get("/healthz").json == {"status": "ok"}


def test_no_external_assets(client):
    """No CDN at run time: every script, stylesheet and image comes from this site."""
    html = client.get("/").text
    assert "http://" not in html.replace('xmlns="http://', "")
    assert "https://" not in html


def test_migrations_match_models(app, db):
    """Alembic's autogenerate finds nothing to add: the migrations build the models' schema."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    context = MigrationContext.configure(db.session.connection(),
                                         opts={"compare_type": True})
    assert compare_metadata(context, db.metadata) == []


def test_test_config_is_isolated():
    assert TestConfig.WTF_CSRF_ENABLED is False
