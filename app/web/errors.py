"""The one place that turns errors into responses: domain errors, a lost database, HTTP errors."""

from flask import Flask, abort, flash, g, jsonify, redirect, render_template, request
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from app.core.errors import DomainError
from app.extensions import db
from app.web.helpers import back_or


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json" or request.is_json


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        db.session.rollback()
        if _wants_json():
            return jsonify(error=error.text()), error.status
        if error.status in (403, 404):
            return render_template("errors/error.html", status=error.status,
                                   message=error.text()), error.status
        flash(error.text(), "error")
        return redirect(back_or()), 303

    @app.errorhandler(DBAPIError)
    def handle_database_unreachable(error: DBAPIError):
        """A connection lost mid-request (the database restarting), or none to be had (the
        database refusing connections while it restarts): 503, and the next request gets a
        fresh connection (pool_pre_ping). Other database errors are server errors."""
        # SQLAlchemy leaves `statement` empty for errors raised while connecting.
        refused = isinstance(error, OperationalError) and error.statement is None
        if not (error.connection_invalidated or refused):
            raise error
        db.session.rollback()
        if "_login_user" not in g:  # the user could not be loaded: show the page as to a guest
            # (what flask_login.logout_user calls; the page's menu and language need a user)
            app.login_manager._update_request_context_with_user()
        app.logger.warning("database %s; answered 503",
                           "unreachable" if refused else "connection lost during a request")
        if _wants_json():
            return jsonify(error="database unavailable"), 503, {"Retry-After": "5"}
        return render_template("errors/error.html", status=503, message=None), 503, \
            {"Retry-After": "5"}

    @app.before_request
    def refuse_nul_bytes():
        """NUL cannot be stored in PostgreSQL text: refuse it in any field, as a bad request,
        before a form or search reaches the database."""
        # Multipart bodies are left to their views, which may raise the size limit first.
        fields = [request.args]
        if request.mimetype == "application/x-www-form-urlencoded":
            fields.append(request.form)
        if any("\x00" in value for values in fields for value in values.values()):
            abort(400)

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        if error.code is not None and error.code >= 500:
            db.session.rollback()  # the page below reads the database (the user, the menu)
        if _wants_json():
            return jsonify(error=error.description), error.code
        return render_template("errors/error.html", status=error.code, message=None), error.code
