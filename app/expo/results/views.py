"""After the meetings: outcomes and deals, the organisers' results wall and its export."""

from dataclasses import dataclass
from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_currency, format_date, format_decimal, format_percent
from flask_login import current_user, login_required

from app.auth.permissions import organiser_required
from app.expo.blueprint import bp, load_event
from app.expo.models import Deal, Meeting, Outcome
from app.expo.results import queries as results_queries
from app.expo.results import services as results
from app.expo.results.forms import SATISFACTION, STAGE_LABELS, OutcomeForm
from app.extensions import db
from app.i18n import _
from app.reference.countries import country_name
from app.reference.hs import hs_description
from app.web.helpers import spreadsheet_download


@bp.route("/events/<int:event_id>/meetings/<int:meeting_id>/outcome", methods=["GET", "POST"])
@login_required
def outcome(event_id: int, meeting_id: int):
    event = load_event(event_id)
    meeting = db.get_or_404(Meeting, meeting_id)
    if meeting.event_id != event.id:
        abort(404)
    results_queries.ensure_party(meeting, current_user)
    deal = results_queries.deal_of(meeting)
    # Stored answers fill the form on GET only: a POST must be able to clear them.
    form = OutcomeForm(data=_stored(meeting.outcome, deal) if request.method == "GET" else None,
                       has_deal=deal is not None, current_currency=deal.currency if deal else None)
    if form.validate_on_submit():
        results.record_outcome(
            meeting, current_user, held=form.held.data == "yes",
            satisfaction=int(form.satisfaction.data) if form.satisfaction.data else None,
            notes=form.notes.data or "")
        if form.stage.data:
            results.save_deal(event, current_user, buyer_id=meeting.buyer_id,
                              company_id=meeting.company_id, stage=form.stage.data,
                              value=form.value.data, currency=form.currency.data)
        db.session.commit()
        flash(_("The outcome of the meeting is saved."), "success")
        return redirect(url_for("expo.deals", event_id=event.id))
    return render_template("expo/results/outcome.html", event=event, meeting=meeting, form=form,
                           deal=deal)


def _stored(outcome: Outcome | None, deal: Deal | None) -> dict:
    data: dict = {"currency": deal.currency if deal else "USD"}
    if outcome is not None:
        data.update(held="yes" if outcome.held else "no", notes=outcome.notes,
                    satisfaction=str(outcome.satisfaction) if outcome.satisfaction else "")
    if deal is not None:
        data.update(stage=deal.stage, value=deal.value)
    return data


@bp.get("/events/<int:event_id>/deals")
@login_required
def deals(event_id: int):
    """The user's deals (organisers: all) and the meetings still waiting for an outcome."""
    event = load_event(event_id)
    return render_template("expo/results/deals.html", event=event,
                           lines=results_queries.deals_for(event, current_user),
                           awaiting=results_queries.awaiting_outcome(event, current_user),
                           stages=STAGE_LABELS, money=format_currency)


@dataclass
class Bar:
    """One row of a chart and of the table beside it; `text` is the bar's accessible name."""

    label: str
    total: int
    text: str
    part: int | None = None
    mous: int = 0
    value_usd: Decimal = Decimal(0)


def _breakdown_bars(groups: dict, label) -> list[Bar]:
    bars = [Bar(label=label(key), total=group.meetings, part=group.held, mous=group.mous,
                value_usd=group.value_usd, text="") for key, group in groups.items()]
    for bar in bars:
        bar.text = _("%(label)s — meetings: %(meetings)s, held: %(held)s",
                     label=bar.label, meetings=format_decimal(bar.total),
                     held=format_decimal(bar.part))
    return bars


def _most_first(bars: list[Bar]) -> list[Bar]:
    return sorted(bars, key=lambda bar: (-bar.total, bar.label))


def _category_label(chapter: str) -> str:
    if not chapter:
        return _("No HS code")
    return _("HS %(chapter)s %(name)s", chapter=chapter, name=hs_description(chapter))


def _charts(figures: results.Dashboard) -> dict[str, list[Bar]]:
    funnel = [(_("Requested"), figures.requested), (_("Accepted"), figures.accepted),
              (_("Scheduled"), figures.scheduled), (_("Held"), figures.held)]
    return {
        "funnel": [Bar(label=name, total=count, text=_("%(label)s: %(count)s", label=name,
                                                        count=format_decimal(count)))
                   for name, count in funnel],
        "satisfaction": [Bar(label=score, total=figures.satisfaction.get(int(score), 0),
                             text=_("Score %(score)s — meetings: %(count)s", score=score,
                                    count=format_decimal(figures.satisfaction.get(int(score),
                                                                                  0))))
                         for score in SATISFACTION],
        "country": _most_first(_breakdown_bars(figures.by_country, country_name)),
        "category": _most_first(_breakdown_bars(figures.by_category, _category_label)),
        "day": _breakdown_bars(dict(sorted(figures.by_day.items())), format_date),
    }


@bp.get("/events/<int:event_id>/dashboard")
@login_required
@organiser_required
def dashboard(event_id: int):
    event = load_event(event_id)
    figures = results.dashboard(event, current_user)
    return render_template("expo/results/dashboard.html", event=event, figures=figures,
                           charts=_charts(figures), percent=format_percent)


@bp.get("/events/<int:event_id>/dashboard.<any(csv, xlsx):file_format>")
@login_required
@organiser_required
def dashboard_export(event_id: int, file_format: str):
    event = load_event(event_id)
    data = results_queries.export_meetings(event, current_user, file_format)
    return spreadsheet_download(data, file_format, f"event-{event.id}-meetings")
