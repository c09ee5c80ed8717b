"""Buyer registration, the buyer's own profile, and the organisers' buyer list."""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required, login_user

from app.auth import services as auth_services
from app.auth.models import Role
from app.auth.permissions import ensure_buyer_editor, organiser_required
from app.buyers import services, transfer
from app.buyers.forms import BuyerProfileForm, BuyerRegistrationForm
from app.buyers.models import Buyer
from app.extensions import db
from app.i18n import _
from app.web.helpers import spreadsheet_download, upload_import_page

bp = Blueprint("buyers", __name__)
PROFILE_FIELDS = ("company_name", "country", "language", "interests", "website")


@bp.route("/register/buyer", methods=["GET", "POST"])
def register():
    form = BuyerRegistrationForm(language="ko" if request.accept_languages.best_match(
        ["en", "ko"]) == "ko" else "en")
    if form.validate_on_submit():
        buyer = services.create_buyer(form.company_name.data, form.country.data,
                                      form.language.data)
        user = auth_services.create_user(form.email.data, form.password.data, Role.BUYER,
                                         buyer_id=buyer.id)
        db.session.commit()
        login_user(user)
        flash(_("Welcome! Tell suppliers what you want to import."), "success")
        return redirect(url_for("buyers.edit", buyer_id=buyer.id))
    return render_template("buyers/register.html", form=form)


@bp.get("/profile")
@login_required
def profile():
    if not current_user.is_buyer or current_user.buyer_id is None:
        return redirect(url_for("main.index"))
    return redirect(url_for("buyers.detail", buyer_id=current_user.buyer_id))


@bp.get("/buyers/<int:buyer_id>")
@login_required
def detail(buyer_id: int):
    buyer = db.get_or_404(Buyer, buyer_id)
    ensure_buyer_editor(current_user, buyer.id)
    return render_template("buyers/detail.html", buyer=buyer)


@bp.route("/buyers/<int:buyer_id>/edit", methods=["GET", "POST"])
@login_required
def edit(buyer_id: int):
    buyer = db.get_or_404(Buyer, buyer_id)
    ensure_buyer_editor(current_user, buyer.id)
    form = BuyerProfileForm(obj=buyer, required_certifications=[
        c.name for c in buyer.required_certifications], hs_codes=buyer.hs_codes)
    if form.validate_on_submit():
        services.update_buyer(buyer, current_user,
                              required_certifications=form.required_certifications.data,
                              hs_codes=form.hs_codes.data,
                              **{name: form[name].data or None if name == "website"
                                 else form[name].data for name in PROFILE_FIELDS})
        db.session.commit()
        flash(_("Profile saved."), "success")
        return redirect(url_for("buyers.detail", buyer_id=buyer.id))
    return render_template("buyers/edit.html", form=form, buyer=buyer)


@bp.get("/buyers")
@login_required
@organiser_required
def index():
    query = request.args.get("q", "").strip()[:200]
    page = db.paginate(services.buyer_list(current_user, query),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("buyers/index.html", page=page, q=query)


@bp.route("/buyers/import", methods=["GET", "POST"])
@login_required
@organiser_required
def import_buyers():
    return upload_import_page(
        "buyers/import.html",
        lambda stream, filename: transfer.import_buyers_file(stream, filename, current_user))


@bp.get("/buyers/export.<any(csv, xlsx):file_format>")
@login_required
@organiser_required
def export(file_format: str):
    buyers = db.session.scalars(services.buyer_list(current_user)).all()
    return spreadsheet_download(transfer.export_buyers(list(buyers), file_format), file_format,
                                "buyers")
