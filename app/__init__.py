"""ExpoMatch: B2B buyer matching and expo operations for Korean SMEs."""

from typing import Any

from flask import Flask

from app.config import ROOT, Config, check_production_secret, config_for_environment
from app.ids import BoundedIntConverter, BoundedRequest


def create_app(config: type[Config] | None = None, **overrides: Any) -> Flask:
    """Build the application: configuration, extensions, blueprints, CLI, error handling."""
    app = Flask(__name__)
    app.request_class = BoundedRequest  # app/ids.py: numbers no database can hold are 404
    app.url_map.converters["int"] = BoundedIntConverter
    app.config.from_object(config or config_for_environment())
    app.config.update(overrides)
    if app.config["ENV_NAME"] == "production":
        check_production_secret(app.config.get("SECRET_KEY"))
    if app.config.get("TRUSTED_PROXY_HOPS"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    from app import private_caching
    from app.auth import cli as auth_cli
    from app.auth import views as auth_views
    from app.auth.permissions import can_edit_buyer, can_edit_company
    from app.buyers import cli as buyers_cli
    from app.buyers import views as buyers_views
    from app.catalogue import cli as catalogue_cli
    from app.catalogue import views as catalogue_views
    from app.commerce import blueprint as commerce_blueprint
    from app.commerce.live import views as live_views  # noqa: F401  (routes on commerce.bp)
    from app.commerce.market import views as market_views  # noqa: F401  (routes on commerce.bp)
    from app.core import db_setup
    from app.demo import cli as demo_cli
    from app.expo import cli as expo_cli
    from app.expo import jobs as expo_jobs
    from app.expo import meeting_requests
    from app.expo import views as expo_views
    from app.expo.consultations import views as consultation_views  # noqa: F401  (on expo.bp)
    from app.expo.onsite import views as onsite_views  # noqa: F401  (routes on expo.bp)
    from app.expo.results import views as results_views  # noqa: F401  (routes on expo.bp)
    from app.extensions import babel, csrf, db, limiter, login_manager, migrate
    from app.i18n import select_locale
    from app.jobs import runner as job_runner
    from app.jobs import views as job_views
    from app.main import views as main_views
    from app.matching import cli as matching_cli
    from app.matching import compaction as matching_compaction
    from app.matching import engine as matching_engine
    from app.matching import jobs as matching_jobs
    from app.matching import second as matching_second
    from app.matching import views as matching_views
    from app.web import templating
    from app.web.errors import register_error_handlers

    db.init_app(app)
    db_setup.init_app(app, db)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    auth_views.init_login(login_manager)

    app.jinja_env.policies["ext.i18n.trimmed"] = True
    templating.init_app(app)
    app.jinja_env.globals.update(can_edit_company=can_edit_company, can_edit_buyer=can_edit_buyer)
    register_error_handlers(app)
    private_caching.init_app(app)

    matching_engine.init_app(app)
    # The matching pages show the meeting requests of the pairs at the latest event.
    app.extensions["matching.event_context"] = meeting_requests.event_context
    job_runner.register("reindex", matching_jobs.reindex)
    job_runner.register("prematch", matching_jobs.prematch)
    job_runner.register("schedule", expo_jobs.schedule)
    job_runner.register(matching_compaction.KIND, matching_compaction.compact)
    job_runner.register(matching_second.KIND, matching_second.embed)
    for module in (main_views, auth_views, catalogue_views, buyers_views, matching_views,
                   job_views, expo_views, commerce_blueprint):
        app.register_blueprint(module.bp)
    for module in (auth_cli, catalogue_cli, buyers_cli, demo_cli, matching_cli,
                   expo_cli):
        app.cli.add_command(module.cli)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if app.config.get("SESSION_COOKIE_SECURE"):  # production is HTTPS only: say so
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'",
        )
        return response

    return app
