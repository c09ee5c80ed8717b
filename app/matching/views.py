"""Suppliers for a buyer, buyers for a supplier, and the organisers' pre-matching runs."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select

from app.auth.permissions import ensure_buyer_editor, ensure_company_editor, organiser_required
from app.buyers.models import Buyer
from app.catalogue.models import Company
from app.extensions import db
from app.i18n import _
from app.jobs import services as job_services
from app.matching import services
from app.matching.explain import explain_all, stated_of
from app.matching.forms import MatchFilterForm, PreferenceForm, RunForm
from app.matching.models import MatchResult, MatchRun, Preference
from app.matching.ranking import ranking_mode
from app.web.forms import ActionForm

bp = Blueprint("matching", __name__)


@bp.get("/matches")
@login_required
def mine():
    if current_user.is_buyer and current_user.buyer_id:
        return redirect(url_for("matching.for_buyer", buyer_id=current_user.buyer_id))
    if current_user.is_supplier and current_user.company_id:
        return redirect(url_for("matching.for_company", company_id=current_user.company_id))
    return redirect(url_for("matching.runs"))


@bp.get("/buyers/<int:buyer_id>/matches")
@login_required
def for_buyer(buyer_id: int):
    buyer = db.get_or_404(Buyer, buyer_id)
    ensure_buyer_editor(current_user, buyer.id)
    form = MatchFilterForm(request.args)
    filters = services.MatchFilters(
        region=form.region.data or "", certification=form.certification.data or "",
        chapter=(form.chapter.data or "")[:2],
        max_moq=form.max_moq.data if form.validate() else None)
    pairs = services.filter_pairs(services.rank_suppliers(buyer, limit=60), filters)[:20]
    companies = {c.id: c for c in db.session.scalars(
        select(Company).where(Company.id.in_([p.company_id for p in pairs])))}
    event, at_event, requested = _current_event(buyer_id=buyer.id)
    return render_template(
        "matching/for_buyer.html", buyer=buyer, pairs=pairs, companies=companies,
        explanations=explain_all(pairs), form=form, stated=stated_of(buyer),
        ranking_mode=ranking_mode(),
        preferences=services.preferences_of_buyer(buyer.id),
        recommended=services.published_picks(buyer_id=buyer.id),
        **services.filter_choices(), preference_labels=preference_labels(), event=event,
        at_event=at_event, requested=requested)


@bp.get("/companies/<int:company_id>/matches")
@login_required
def for_company(company_id: int):
    company = db.get_or_404(Company, company_id)
    ensure_company_editor(current_user, company.id)
    pairs = services.rank_buyers(company, limit=20)
    buyers = {b.id: b for b in db.session.scalars(
        select(Buyer).where(Buyer.id.in_([p.buyer_id for p in pairs])))}
    event, at_event, requested = _current_event(company_id=company.id)
    return render_template(
        "matching/for_company.html", company=company, pairs=pairs, buyers=buyers,
        explanations=explain_all(pairs, viewer="supplier"), ranking_mode=ranking_mode(),
        preferences=services.preferences_of_company(company.id),
        recommended=services.published_picks(company_id=company.id),
        preference_labels=preference_labels(), event=event, at_event=at_event,
        requested=requested)


def preference_labels() -> dict:
    """The preference buttons' words, translated once for a page of matches."""
    return {"group": _("Your preference"),
            "choices": (("must_meet", _("Must meet")), ("meet", _("Meet")),
                        ("no_thanks", _("No thanks")))}


def _no_event(**side) -> tuple[None, set[int], dict[int, str]]:
    return None, set(), {}


def _current_event(**side):
    """The latest event this buyer or company is registered for, who else is there, and the
    status of the meeting requests already made with them: the expo part answers (create_app
    sets `matching.event_context`), so that matching reads no expo table."""
    return current_app.extensions.get("matching.event_context", _no_event)(**side)


def _choice(form: PreferenceForm) -> Preference | None:
    if not form.validate_on_submit():
        abort(400)
    return None if form.choice.data == "clear" else Preference(form.choice.data)


@bp.post("/buyers/<int:buyer_id>/matches/<int:company_id>")
@login_required
def buyer_preference(buyer_id: int, company_id: int):
    buyer, company = db.get_or_404(Buyer, buyer_id), db.get_or_404(Company, company_id)
    choice = _choice(PreferenceForm())
    services.set_preference(buyer, company, choice, side="buyer", by=current_user)
    db.session.commit()
    if choice == Preference.NO_THANKS:
        flash(_("%(name)s will not be suggested again.", name=company.name_en or company.name_ko),
              "info")
    return redirect(url_for("matching.for_buyer", buyer_id=buyer.id, **request.args))


@bp.post("/companies/<int:company_id>/matches/<int:buyer_id>")
@login_required
def company_preference(company_id: int, buyer_id: int):
    buyer, company = db.get_or_404(Buyer, buyer_id), db.get_or_404(Company, company_id)
    choice = _choice(PreferenceForm())
    services.set_preference(buyer, company, choice, side="supplier", by=current_user)
    db.session.commit()
    if choice == Preference.NO_THANKS:
        flash(_("%(name)s will not be suggested again.", name=buyer.company_name), "info")
    return redirect(url_for("matching.for_company", company_id=company.id))


@bp.route("/prematching", methods=["GET", "POST"])
@login_required
@organiser_required
def runs():
    form = RunForm()
    if form.validate_on_submit():  # in the job queue; the job page links to the run
        job_id = job_services.create_job("prematch", current_user, top=form.top.data).id
        db.session.commit()
        job_services.enqueue(job_id)
        return redirect(url_for("jobs.detail", job_id=job_id))
    history = db.session.scalars(select(MatchRun).order_by(MatchRun.created_at.desc())).all()
    return render_template("matching/runs.html", form=form, runs=history,
                           status=services.index_status(), action_form=ActionForm())


@bp.post("/prematching/reindex")
@login_required
@organiser_required
def reindex():
    job_id = job_services.create_job("reindex", current_user).id
    db.session.commit()
    job_services.enqueue(job_id)
    return redirect(url_for("jobs.detail", job_id=job_id))


@bp.get("/prematching/<int:run_id>")
@login_required
@organiser_required
def run(run_id: int):
    match_run = db.get_or_404(MatchRun, run_id)
    by_buyer: dict[Buyer, list[MatchResult]] = {}
    for result in match_run.results:
        by_buyer.setdefault(result.buyer, []).append(result)
    return render_template("matching/run.html", run=match_run, by_buyer=by_buyer,
                           action_form=ActionForm())


@bp.post("/prematching/results/<int:result_id>/remove")
@login_required
@organiser_required
def remove_result(result_id: int):
    result = db.get_or_404(MatchResult, result_id)
    run_id = result.run_id
    services.remove_result(result, current_user)
    db.session.commit()
    return redirect(url_for("matching.run", run_id=run_id))


@bp.post("/prematching/<int:run_id>/publish")
@login_required
@organiser_required
def publish(run_id: int):
    services.publish_run(db.get_or_404(MatchRun, run_id), current_user)
    db.session.commit()
    flash(_("Published: buyers and suppliers now see these recommendations."), "success")
    return redirect(url_for("matching.run", run_id=run_id))

