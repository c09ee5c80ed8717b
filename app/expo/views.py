"""Events: creating and setting them up, registering, meeting requests, scheduling."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app import idempotency
from app.auth.permissions import organiser_required
from app.buyers.models import Buyer
from app.catalogue.models import Company
from app.expo import events as event_service
from app.expo import jobs as expo_jobs
from app.expo import meeting_requests, participation, placement, scheduling
from app.expo.blueprint import bp, load_event, my_registration
from app.expo.forms import (
    AnswerForm,
    DeskForm,
    EventForm,
    InterpreterForm,
    MoveForm,
    RegistrationForm,
    RequestForm,
    ScheduleForm,
    SessionForm,
    TablesForm,
)
from app.expo.models import Event, Meeting, MeetingRequest, Slot
from app.extensions import db
from app.i18n import _, ngettext
from app.ids import whole_number
from app.jobs import services as job_services
from app.matching import services as matching
from app.matching.models import MatchRun
from app.web.forms import ActionForm

EVENT_FIELDS = ("name_ko", "name_en", "venue_ko", "venue_en", "starts_on", "ends_on",
                "booking_mode", "auto_accept", "max_requests", "request_expiry_hours")


@bp.get("/events")
def events():
    listing = db.session.scalars(select(Event).order_by(Event.starts_on.desc())).all()
    return render_template("expo/events.html", events=listing)


@bp.route("/events/new", methods=["GET", "POST"])
@login_required
@organiser_required
def new_event():
    form = EventForm()
    if form.validate_on_submit():
        event = event_service.create_event(current_user, **{f: form[f].data for f in EVENT_FIELDS})
        db.session.commit()
        flash(_("Event created. Now add sessions, tables and interpreters."), "success")
        return redirect(url_for("expo.event_setup", event_id=event.id))
    return render_template("expo/event_form.html", form=form, event=None)


@bp.get("/events/<int:event_id>")
def event(event_id: int):
    event = load_event(event_id)
    return render_template("expo/event.html", event=event, registration=my_registration(event),
                           participants=participation.public_participants(event))


@bp.route("/events/<int:event_id>/setup", methods=["GET", "POST"])
@login_required
@organiser_required
def event_setup(event_id: int):
    event = load_event(event_id)
    forms = {"event": EventForm(prefix="event", obj=event), "session": SessionForm(prefix="s"),
             "tables": TablesForm(prefix="t"), "interpreter": InterpreterForm(prefix="i"),
             "desk": DeskForm(prefix="d")}
    done = None
    if forms["event"].submit.data and forms["event"].validate_on_submit():
        for field in EVENT_FIELDS:
            setattr(event, field, forms["event"][field].data)
        done = _("Event saved.")
    elif forms["session"].submit.data and forms["session"].validate_on_submit():
        f = forms["session"]
        created = event_service.add_session(event, current_user, f.day.data, f.start.data,
                                            f.end.data, slot_minutes=f.slot_minutes.data,
                                            break_minutes=f.break_minutes.data)
        done = ngettext("%(num)d slot added.", "%(num)d slots added.", len(created))
    elif forms["tables"].submit.data and forms["tables"].validate_on_submit():
        event_service.add_tables(event, current_user, forms["tables"].count.data,
                         forms["tables"].zone.data or "")
        done = _("Tables added.")
    elif forms["interpreter"].submit.data and forms["interpreter"].validate_on_submit():
        event_service.add_interpreter(event, current_user, forms["interpreter"].name.data,
                              forms["interpreter"].languages.data)
        done = _("Interpreter added.")
    elif forms["desk"].submit.data and forms["desk"].validate_on_submit():
        event_service.add_desk(event, current_user, forms["desk"].topic.data,
                               forms["desk"].expert.data)
        done = _("Consultation desk added.")
    if done:
        db.session.commit()
        flash(done, "success")
        return redirect(url_for("expo.event_setup", event_id=event.id))
    return render_template("expo/setup.html", event=event, forms=forms)


@bp.route("/events/<int:event_id>/register", methods=["GET", "POST"])
@login_required
def register(event_id: int):
    event = load_event(event_id)
    registration = my_registration(event)
    form = RegistrationForm(obj=registration)
    if form.validate_on_submit():
        if current_user.is_supplier and current_user.company_id:
            owner = {"company": db.session.get(Company, current_user.company_id)}
        elif current_user.is_buyer and current_user.buyer_id:
            owner = {"buyer": db.session.get(Buyer, current_user.buyer_id)}
        else:  # organisers register participants from the setup, not for themselves
            abort(403)
        registration = participation.register(event, current_user, public=form.public.data,
                                              **owner)
        chosen = {number for v in request.form.getlist("unavailable")
                  if (number := whole_number(v)) is not None}
        participation.set_unavailable(registration, chosen, current_user)
        db.session.commit()
        flash(_("Your registration is saved."), "success")
        return redirect(url_for("expo.event", event_id=event.id))
    unavailable = {u.slot_id for u in registration.unavailable} if registration else set()
    return render_template("expo/register.html", event=event, form=form,
                           registration=registration, unavailable=unavailable)


@bp.get("/events/<int:event_id>/requests")
@login_required
def event_requests(event_id: int):
    """Incoming and outgoing requests of a participant; every request for organisers."""
    event = load_event(event_id)
    stmt = select(MeetingRequest).where(MeetingRequest.event_id == event.id).options(
        selectinload(MeetingRequest.buyer), selectinload(MeetingRequest.company),
        selectinload(MeetingRequest.meeting)).order_by(MeetingRequest.created_at.desc())
    if not current_user.is_organiser:
        registration = my_registration(event)
        if registration is None:
            flash(_("Register for the event first."), "info")
            return redirect(url_for("expo.register", event_id=event.id))
        stmt = stmt.where(or_(MeetingRequest.buyer_id == registration.buyer_id,
                              MeetingRequest.company_id == registration.company_id))
    runs = matching.published_runs() if current_user.is_organiser else []
    free_slots = [s for s in event.slots] if event.booking_mode == "participants" else []
    return render_template("expo/requests.html", event=event, requests=db.session.scalars(stmt)
                           .all(), answer_form=AnswerForm(), action_form=ActionForm(),
                           runs=runs, free_slots=free_slots)


@bp.route("/events/<int:event_id>/request/<int:buyer_id>/<int:company_id>",
          methods=["GET", "POST"])
@login_required
def new_request(event_id: int, buyer_id: int, company_id: int):
    event = load_event(event_id)
    buyer, company = db.get_or_404(Buyer, buyer_id), db.get_or_404(Company, company_id)
    meeting_requests.side_of(current_user, buyer, company)
    form = RequestForm()
    if form.validate_on_submit():
        def send() -> idempotency.Outcome:
            meeting_requests.request_meeting(event, buyer, company, current_user,
                                     form.message.data or "")
            return idempotency.Outcome(url_for("expo.event_requests", event_id=event.id),
                                       _("Meeting request sent."))

        # The same form sent twice (a double click, a retry) asks once (app/idempotency.py).
        outcome = idempotency.once(form.submission.data, current_user.id, send)
        db.session.commit()
        flash(outcome.message, "success")
        return redirect(outcome.redirect_to)
    return render_template("expo/request_form.html", event=event, form=form, buyer=buyer,
                           company=company)


@bp.post("/events/<int:event_id>/requests/<int:request_id>/answer")
@login_required
def answer(event_id: int, request_id: int):
    meeting_request = db.get_or_404(MeetingRequest, request_id)
    if meeting_request.event_id != event_id:
        abort(404)
    form = AnswerForm()
    if not form.validate_on_submit():
        abort(400)
    accept = bool(form.accept.data)
    meeting_requests.respond(meeting_request, current_user, accept=accept,
                             reason=form.reason.data or "")
    if accept and form.slot.data:
        placement.book_chosen(meeting_request, db.get_or_404(Slot, form.slot.data),
                              current_user)
    db.session.commit()
    flash(_("Request accepted.") if accept else _("Request declined."), "success")
    return redirect(url_for("expo.event_requests", event_id=event_id))


@bp.post("/events/<int:event_id>/proposals")
@login_required
@organiser_required
def propose(event_id: int):
    event = load_event(event_id)
    run_id = request.form.get("run_id", type=int)
    if run_id is None:
        abort(400)
    run = db.get_or_404(MatchRun, run_id)
    created = meeting_requests.propose_from_prematching(event, run, current_user)
    db.session.commit()
    flash(ngettext("%(num)d proposal sent.", "%(num)d proposals sent.", created), "success")
    return redirect(url_for("expo.event_requests", event_id=event.id))


@bp.route("/events/<int:event_id>/schedule", methods=["GET", "POST"])
@login_required
@organiser_required
def schedule(event_id: int):
    event = load_event(event_id)
    form = ScheduleForm()
    if form.validate_on_submit():  # in the job queue; the job page links back to the grid
        try:
            job_id = expo_jobs.start_scheduling(event, current_user,
                                                time_limit=form.time_limit.data).id
        except expo_jobs.SchedulingBusy as busy:
            flash(busy.text(), "error")
            return redirect(url_for("jobs.detail", job_id=busy.params["job"]))
        db.session.commit()
        job_services.enqueue(job_id)
        return redirect(url_for("jobs.detail", job_id=job_id))
    meetings = db.session.scalars(select(Meeting).where(Meeting.event_id == event.id).options(
        selectinload(Meeting.buyer), selectinload(Meeting.company),
        selectinload(Meeting.interpreter))).all()
    grid = {(m.slot_id, m.table_id or f"booth:{m.booth}"): m for m in meetings}
    booths = sorted({m.booth for m in meetings if m.booth})
    open_requests = db.session.scalars(select(MeetingRequest).where(
        MeetingRequest.event_id == event.id, MeetingRequest.status == "accepted",
        ~MeetingRequest.meeting.has())).all()
    return render_template("expo/schedule.html", event=event, form=form, grid=grid,
                           booths=booths, meetings=meetings, open_requests=open_requests,
                           action_form=ActionForm())


@bp.post("/events/<int:event_id>/schedule/publish")
@login_required
@organiser_required
def publish_schedule(event_id: int):
    count = scheduling.publish(load_event(event_id), current_user)
    db.session.commit()
    flash(ngettext("%(num)d meeting published.", "%(num)d meetings published.", count),
          "success")
    return redirect(url_for("expo.schedule", event_id=event_id))


@bp.route("/events/<int:event_id>/meetings/<int:meeting_id>/move", methods=["GET", "POST"])
@login_required
@organiser_required
def move(event_id: int, meeting_id: int):
    event = load_event(event_id)
    meeting = db.get_or_404(Meeting, meeting_id)
    if meeting.event_id != event.id:
        abort(404)
    form = MoveForm(slot=meeting.slot_id, table=meeting.table_id or 0,
                    interpreter=meeting.interpreter_id or 0)
    form.slot.choices = [(s.id, s.starts_at.isoformat()) for s in event.slots]
    form.table.choices = [(0, "—")] + [(t.id, t.name) for t in event.tables]
    form.interpreter.choices = [(0, "—")] + [(i.id, i.name) for i in event.interpreters]
    if form.validate_on_submit():
        target = placement.Placement(
            slot=db.session.get(Slot, form.slot.data),
            table=next((t for t in event.tables if t.id == form.table.data), None),
            booth=meeting.booth,
            interpreter=next((i for i in event.interpreters if i.id == form.interpreter.data),
                             None))
        placement.move(meeting, target, current_user)
        db.session.commit()
        flash(_("Meeting moved; both sides were notified."), "success")
        return redirect(url_for("expo.schedule", event_id=event.id))
    return render_template("expo/move.html", event=event, meeting=meeting, form=form)
