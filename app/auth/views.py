"""Log-in, log-out, account settings and the language switch."""

from datetime import timedelta

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import format_timedelta
from flask_login import LoginManager, current_user, login_required, login_user, logout_user

from app.auth import devices, ratelimit, services, sessions
from app.auth.forms import ChangePasswordForm, LanguageForm, LoginForm
from app.auth.models import User
from app.extensions import db
from app.i18n import LOCALE_COOKIE, _, _l
from app.web.helpers import back_or, safe_next

bp = Blueprint("auth", __name__)


def init_login(manager: LoginManager) -> None:
    manager.login_view = "auth.login"
    manager.login_message = _l("Please log in to see this page.")
    manager.login_message_category = "info"

    manager.user_loader(sessions.load_user)


def home_for(user: User) -> str:
    if user.is_supplier:
        return url_for("catalogue.dashboard")
    if user.is_buyer:
        return url_for("buyers.profile")
    return url_for("main.index")


@bp.route("/login", methods=["GET", "POST"])
@ratelimit.login_limits
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            ratelimit.mark_failed()
            flash(_("Email or password is not correct."), "error")
        else:
            ratelimit.forgive_account()
            devices.remember_device()
            login_user(user, remember=form.remember.data)
            flash(_("Welcome back."), "success")
            next_page = request.args.get("next")
            return redirect(safe_next(next_page) if next_page else home_for(user))
    return render_template("auth/login.html", form=form)


@bp.errorhandler(429)
def too_many_attempts(_error):
    """The log-in page again, saying how long to wait (Retry-After says it to machines)."""
    wait = ratelimit.seconds_to_wait()
    flash(_("Too many failed log-in attempts. Try again in %(wait)s.",
            wait=format_timedelta(timedelta(seconds=wait), threshold=1)), "error")
    response = make_response(render_template("auth/login.html", form=LoginForm()), 429)
    response.headers["Retry-After"] = str(wait)
    return response


@bp.post("/logout")
@login_required
def logout():
    sessions.end_all_sessions(current_user)
    db.session.commit()
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("main.index"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    password_form = ChangePasswordForm(prefix="pw")
    language_form = LanguageForm(prefix="lang", locale=current_user.locale or "")
    if password_form.submit.data and password_form.validate_on_submit():
        services.change_password(current_user, password_form.current.data,
                                 password_form.password.data)
        db.session.commit()
        sessions.renew_login(current_user._get_current_object())
        flash(_("Your password has been changed."), "success")
        return redirect(url_for("auth.account"))
    if language_form.submit.data and language_form.validate_on_submit():
        services.set_locale(current_user, language_form.locale.data)
        db.session.commit()
        flash(_("Your language setting has been saved."), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/account.html", password_form=password_form,
                           language_form=language_form)


@bp.post("/language/<any(en, ko):code>")
def switch_language(code: str):
    """Remember the choice in a cookie; a logged-in user's setting follows the switch.

    CSRFProtect checks the token of this POST like every other.
    """
    if current_user.is_authenticated and current_user.locale:
        services.set_locale(current_user, code)
        db.session.commit()
    response = make_response(redirect(back_or()))
    response.set_cookie(LOCALE_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax",
                        httponly=True, secure=request.is_secure)
    return response

