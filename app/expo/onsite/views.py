"""On the day: agendas (page, .ics, subscribable feed), check-in, no-shows, notifications."""

from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.auth.permissions import organiser_required
from app.expo import participation
from app.expo.agenda import calendar, consultations_of
from app.expo.blueprint import bp, load_event, my_registration
from app.expo.errors import UnknownCheckInCode
from app.expo.models import Meeting, MeetingRequest, Slot
from app.expo.onsite import services as onsite
from app.expo.onsite.forms import CheckInForm, NoShowForm, ReadAllForm, TakeSlotForm
from app.extensions import db
from app.i18n import _, ngettext


def _ics(body: bytes, filename: str | None = None) -> Response:
    response = Response(body, mimetype="text/calendar")
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/events/<int:event_id>/agenda")
@login_required
def agenda(event_id: int):
    """A participant's agenda to print; organisers pick anyone's with ?registration=<id>."""
    event = load_event(event_id)
    registration = onsite.agenda_registration(event, current_user, my_registration(event),
                                              request.args.get("registration", type=int))
    chooser = onsite.participants(event) if current_user.is_organiser else []
    if registration is None:
        if current_user.is_organiser:
            return render_template("expo/onsite/agenda.html", event=event, registration=None,
                                   participants=chooser)
        flash(_("Register for the event first."), "info")
        return redirect(url_for("expo.register", event_id=event.id))
    return render_template(
        "expo/onsite/agenda.html", event=event, registration=registration,
        participants=chooser, items=onsite.agenda_items(registration),
        consultations=consultations_of(registration), qr=onsite.check_in_qr(registration),
        feed_url=url_for("expo.calendar_feed", token=registration.calendar_token,
                         _external=True))


@bp.get("/events/<int:event_id>/agenda.ics")
@login_required
def agenda_ics(event_id: int):
    event = load_event(event_id)
    registration = onsite.agenda_registration(event, current_user, my_registration(event),
                                              request.args.get("registration", type=int))
    if registration is None:
        abort(404)
    return _ics(calendar(registration, event), f"expomatch-{event.id}-agenda.ics")


@bp.get("/calendar/<token>.ics")
def calendar_feed(token: str):
    """The secret subscription feed: no login, the token is the key."""
    registration = onsite.registration_by_token(token)
    if registration is None:
        abort(404)
    response = _ics(calendar(registration, registration.event))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/events/<int:event_id>/checkin", methods=["GET", "POST"])
@login_required
@organiser_required
def checkin(event_id: int):
    event = load_event(event_id)
    day = onsite.board_day(event, request.args.get("day", type=date.fromisoformat))
    form = CheckInForm()
    if form.validate_on_submit():
        try:
            registration = participation.check_in(event, form.code.data, current_user)
        except UnknownCheckInCode as error:
            form.code.errors.append(error.text())
        else:
            db.session.commit()
            flash(_("%(name)s is checked in.", name=registration.display_name), "success")
            return redirect(url_for("expo.checkin", event_id=event.id,
                                    day=day.isoformat() if day else None))
    return render_template("expo/onsite/checkin.html", event=event, form=form, day=day,
                           days=onsite.event_days(event), board=onsite.day_board(event, day),
                           presence=onsite.presence(event), no_show_form=NoShowForm())


@bp.post("/events/<int:event_id>/meetings/<int:meeting_id>/no-show")
@login_required
@organiser_required
def no_show(event_id: int, meeting_id: int):
    meeting = db.get_or_404(Meeting, meeting_id)
    if meeting.event_id != event_id:
        abort(404)
    if not NoShowForm().validate_on_submit():
        abort(400)
    offers = onsite.report_no_show(meeting, current_user)
    db.session.commit()
    flash(ngettext("Marked as a no-show; the slot was offered to %(num)d pair.",
                   "Marked as a no-show; the slot was offered to %(num)d pairs.", offers),
          "success")
    return redirect(url_for("expo.checkin", event_id=event_id,
                            day=onsite.day_of(meeting.slot).isoformat()))


@bp.post("/events/<int:event_id>/requests/<int:request_id>/take/<int:slot_id>")
@login_required
def take_slot(event_id: int, request_id: int, slot_id: int):
    meeting_request = db.get_or_404(MeetingRequest, request_id)
    slot = db.get_or_404(Slot, slot_id)
    if meeting_request.event_id != event_id or slot.event_id != event_id:
        abort(404)
    if not TakeSlotForm().validate_on_submit():
        abort(400)
    onsite.take_freed_slot(meeting_request, slot, current_user)
    db.session.commit()
    flash(_("The slot is yours: the meeting is on your agenda."), "success")
    return redirect(url_for("expo.agenda", event_id=event_id))


@bp.get("/notifications")
@login_required
def notifications():
    return render_template("expo/onsite/notifications.html",
                           items=onsite.notifications_of(current_user),
                           take_form=TakeSlotForm(), read_form=ReadAllForm())


@bp.post("/notifications/read")
@login_required
def notifications_read():
    if not ReadAllForm().validate_on_submit():
        abort(400)
    onsite.mark_all_read(current_user)
    db.session.commit()
    return redirect(url_for("expo.notifications"))
