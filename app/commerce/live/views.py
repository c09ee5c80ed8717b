"""Live commerce pages (routes on commerce.bp): sessions, their live chat over Server-Sent
Events, moderation, transcripts, reports, and questions turned into meeting requests."""

import secrets

from flask import (
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    stream_with_context,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select

from app.auth.models import User
from app.auth.permissions import ensure_company_editor, organiser_required
from app.auth.services import find_user
from app.catalogue.models import Company
from app.commerce.blueprint import bp
from app.commerce.live import reports as live_reports
from app.commerce.live import services as live
from app.commerce.live import stream as live_stream
from app.commerce.live.forms import (
    EditLiveSessionForm,
    LiveSessionForm,
    MessageForm,
    PinListingForm,
    QuestionRequestForm,
    ToggleForm,
)
from app.commerce.live.models import (
    MAX_MESSAGE_CHARS,
    LiveMessage,
    LiveSession,
    message_kind_labels,
)
from app.commerce.market import orders
from app.commerce.market import services as market
from app.commerce.market.forms import PickupForm
from app.commerce.market.models import MarketListing
from app.core.errors import NotFound
from app.expo.models import Event
from app.extensions import db
from app.i18n import _
from app.ids import whole_number
from app.web.forms import ActionForm
from app.web.helpers import spreadsheet_download

# The app-wide policy plus YouTube's privacy-enhanced player, on the session page only.
EMBED_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
             "frame-src https://www.youtube-nocookie.com; frame-ancestors 'none'; "
             "form-action 'self'")
VIEWER_KEY = "live_viewer"


@bp.record_once
def _publish_after_commit(state) -> None:
    live_stream.init_app(state.app)


def _session(session_id: int) -> LiveSession:
    return db.get_or_404(LiveSession, session_id)


def _message(live_session: LiveSession, message_id: int) -> LiveMessage:
    message = db.get_or_404(LiveMessage, message_id)
    if message.session_id != live_session.id:
        raise NotFound()
    return message


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _done(live_session: LiveSession, text: str, **data):
    """JSON for the page's script, else a flash and back to the chat."""
    if _wants_json():
        return jsonify(ok=True, **data)
    flash(text, "success")
    return redirect(url_for("commerce.live_session", session_id=live_session.id) + "#chat")


# --- Visitors --------------------------------------------------------------------------------

@bp.get("/live")
def live_sessions():
    events = db.session.scalars(select(Event).order_by(Event.starts_on.desc())).all() \
        if current_user.is_authenticated and current_user.is_organiser else []
    return render_template("commerce/live_list.html", groups=live.sessions_by_status(),
                           events=events)


@bp.get("/live/<int:session_id>")
def live_session(session_id: int):
    live_session = _session(session_id)
    if not current_user.is_authenticated:
        session.setdefault(VIEWER_KEY, secrets.token_urlsafe(16))
    live_reports.record_viewer(live_session, current_user, session.get(VIEWER_KEY))
    db.session.commit()
    moderator = live.is_moderator(current_user, live_session)
    embed = live.youtube_embed_url(live_session.stream_url)
    chat = live.chat_view(live_session, moderator)
    response = Response(render_template(
        "commerce/live_session.html", live_session=live_session, moderator=moderator,
        embed=embed, chat=chat, last_event_id=live_stream.last_event_id(live_session),
        muted=live.is_muted(current_user, live_session),
        can_request=lambda message: live_reports.can_request_meeting(message, current_user),
        max_chars=MAX_MESSAGE_CHARS,
        kind_labels={kind: str(label) for kind, label in message_kind_labels().items()},
        role_labels={"host": _("Host"), "supplier": _("Supplier"), "organiser": _("Organiser")}))
    if embed:
        response.headers["Content-Security-Policy"] = EMBED_CSP
    return response


@bp.get("/live/<int:session_id>/events")
def live_events(session_id: int):
    """The chat as Server-Sent Events; a reconnecting browser sends Last-Event-ID."""
    live_session = _session(session_id)
    raw = request.headers.get("Last-Event-ID") or request.args.get("after") or "0"
    after = whole_number(raw, 0)
    config = current_app.config
    body = live_stream.stream(live_session.id, after,
                              live.is_moderator(current_user, live_session),
                              keepalive=config["LIVE_KEEPALIVE_SECONDS"],
                              duration=config["LIVE_STREAM_SECONDS"])
    return Response(stream_with_context(body), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache, no-transform",
                             "X-Accel-Buffering": "no"})


# --- Chat ------------------------------------------------------------------------------------

@bp.post("/live/<int:session_id>/messages")
@login_required
def live_post(session_id: int):
    live_session = _session(session_id)
    form = MessageForm()
    if not form.validate_on_submit():
        raise live.InvalidMessage(limit=MAX_MESSAGE_CHARS)
    reply_to = _message(live_session, form.reply_to.data) if form.reply_to.data else None
    message = live.post_message(live_session, current_user, form.body.data, reply_to)
    db.session.commit()
    return _done(live_session, _("Message sent."),
                 message=live_stream.message_data(message))


@bp.post("/live/<int:session_id>/messages/<int:message_id>/hide")
@login_required
def live_hide(session_id: int, message_id: int):
    live_session = _session(session_id)
    message = live.set_hidden(_message(live_session, message_id), current_user,
                              ToggleForm().turned_on)
    db.session.commit()
    return _done(live_session, _("Message hidden.") if message.hidden else
                 _("Message shown again."), message=live_stream.message_data(message))


@bp.post("/live/<int:session_id>/messages/<int:message_id>/pin")
@login_required
def live_pin(session_id: int, message_id: int):
    live_session = _session(session_id)
    message = live.set_pinned(_message(live_session, message_id), current_user,
                              ToggleForm().turned_on)
    db.session.commit()
    return _done(live_session, _("Message pinned.") if message.pinned else
                 _("Message unpinned."), message=live_stream.message_data(message))


@bp.post("/live/<int:session_id>/users/<int:user_id>/mute")
@login_required
def live_mute(session_id: int, user_id: int):
    live_session = _session(session_id)
    muted = ToggleForm().turned_on
    live.set_muted(live_session, db.get_or_404(User, user_id), current_user, muted)
    db.session.commit()
    return _done(live_session, _("User muted in this session.") if muted else
                 _("User may post again."), muted=muted, user_id=user_id)


@bp.post("/live/<int:session_id>/pin-listing")
@login_required
def live_pin_listing(session_id: int):
    live_session = _session(session_id)
    listing_id = PinListingForm().listing.data
    listing = db.get_or_404(MarketListing, listing_id) if listing_id else None
    live.pin_listing(live_session, listing, current_user)
    db.session.commit()
    return _done(live_session, _("Product pinned.") if listing else _("Product unpinned."),
                 listing_id=listing_id)


@bp.route("/live/<int:session_id>/messages/<int:message_id>/meeting-request",
          methods=["GET", "POST"])
@login_required
def live_meeting_request(session_id: int, message_id: int):
    live_session = _session(session_id)
    message = _message(live_session, message_id)
    live_reports.check_can_request(message, current_user)
    form = QuestionRequestForm()
    if request.method == "GET":
        form.message.data = live_reports.suggested_request_text(message)
    if form.validate_on_submit():
        live_reports.request_from_question(message, current_user, form.message.data or "")
        db.session.commit()
        flash(_("Meeting request sent."), "success")
        return redirect(url_for("expo.event_requests", event_id=live_session.event_id))
    return render_template("commerce/live_request.html", live_session=live_session,
                           message=message, form=form)


# --- Hosts, suppliers and organisers ----------------------------------------------------------

@bp.get("/live/<int:session_id>/transcript.<any(csv, xlsx):file_format>")
@login_required
def live_transcript(session_id: int, file_format: str):
    live_session = _session(session_id)
    data = live_reports.transcript(live_session, current_user, file_format)
    return spreadsheet_download(data, file_format, f"live-{live_session.id}-transcript")


@bp.get("/live/<int:session_id>/report")
@login_required
def live_report(session_id: int):
    live_session = _session(session_id)
    return render_template("commerce/live_report.html", live_session=live_session,
                           report=live_reports.session_report(live_session, current_user))


def _session_form(event: Event, live_session: LiveSession | None = None):
    listings = live.approved_listings(event)
    companies = {listing.company_id: listing.company for listing in listings}
    if live_session is not None:
        companies.setdefault(live_session.company_id, live_session.company)
    form = (EditLiveSessionForm if live_session else LiveSessionForm)(obj=live_session)
    if live_session is not None and not form.is_submitted():
        form.starts_at.data = form.to_local(live_session.starts_at, event.timezone)
        form.ends_at.data = form.to_local(live_session.ends_at, event.timezone)
        form.host_email.data = live_session.host_user.email if live_session.host_user else ""
        form.listings.data = [item.listing_id for item in live_session.featured]
    form.set_choices(sorted(companies.values(), key=lambda c: c.name_ko), listings)
    return form


def _fields(form: LiveSessionForm, event: Event) -> dict:
    host = None
    if form.host_email.data:
        host = find_user(form.host_email.data)
        if host is None:
            raise live.InvalidLiveSession(_("No account has the e-mail address %(email)s.",
                                            email=form.host_email.data))
    listings = [db.get_or_404(MarketListing, listing_id) for listing_id in form.listings.data]
    return {"title_ko": form.title_ko.data, "title_en": form.title_en.data or "",
            "description_ko": form.description_ko.data or "",
            "description_en": form.description_en.data or "",
            "starts_at": form.to_utc(form.starts_at.data, event.timezone),
            "ends_at": form.to_utc(form.ends_at.data, event.timezone), "host_user": host,
            "host_name": form.host_name.data or "", "stream_url": form.stream_url.data or "",
            "listings": listings}


def _render_form(form, event, live_session=None, status=200):
    return render_template("commerce/live_form.html", form=form, event=event,
                           live_session=live_session, action_form=ActionForm()), status


@bp.route("/live/events/<int:event_id>/new", methods=["GET", "POST"])
@login_required
@organiser_required
def live_new(event_id: int):
    event = db.get_or_404(Event, event_id)
    form = _session_form(event)
    if form.validate_on_submit():
        try:
            live_session = live.create_session(event, db.get_or_404(Company, form.company.data),
                                               current_user, **_fields(form, event))
        except live.InvalidLiveSession as error:
            db.session.rollback()
            form.listings.errors = [error.text()]
            return _render_form(form, event, status=400)
        db.session.commit()
        flash(_("Live session scheduled."), "success")
        return redirect(url_for("commerce.live_session", session_id=live_session.id))
    return _render_form(form, event, status=400 if form.is_submitted() else 200)


@bp.route("/live/<int:session_id>/edit", methods=["GET", "POST"])
@login_required
@organiser_required
def live_edit(session_id: int):
    live_session = _session(session_id)
    event = live_session.event
    form = _session_form(event, live_session)
    if form.validate_on_submit():
        try:
            live.update_session(live_session, current_user, **_fields(form, event))
        except live.InvalidLiveSession as error:
            db.session.rollback()
            form.listings.errors = [error.text()]
            return _render_form(form, event, live_session, status=400)
        db.session.commit()
        flash(_("Live session saved."), "success")
        return redirect(url_for("commerce.live_session", session_id=live_session.id))
    return _render_form(form, event, live_session, status=400 if form.is_submitted() else 200)


@bp.post("/live/<int:session_id>/delete")
@login_required
@organiser_required
def live_delete(session_id: int):
    live.delete_session(_session(session_id), current_user)
    db.session.commit()
    flash(_("Live session deleted."), "success")
    return redirect(url_for("commerce.live_sessions"))


@bp.get("/companies/<int:company_id>/market")
@login_required
def company_market(company_id: int):
    """The supplier's market page: listings, orders and sales, and its live sessions (here,
    as the live part builds on the market part)."""
    company = db.get_or_404(Company, company_id)
    ensure_company_editor(current_user, company.id)
    return render_template(
        "commerce/company_market.html", company=company,
        listings=market.listings_of(company),
        orders=orders.orders_for_company(company, current_user),
        sales=orders.company_sales(company, current_user),
        live_sessions=live_reports.sessions_of_company(company.id),
        pickup_form=PickupForm(), action_form=ActionForm())
