"""SMEs book consultations with the event's experts."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from app.catalogue.models import Company
from app.expo.blueprint import bp, load_event
from app.expo.consultations import services as consultations
from app.expo.consultations.forms import ConsultationForm
from app.expo.models import Consultation, ConsultationDesk, Slot
from app.extensions import db
from app.i18n import _
from app.web.forms import ActionForm


@bp.get("/events/<int:event_id>/consultations")
@login_required
def consultation_desks(event_id: int):
    event = load_event(event_id)
    return render_template("expo/consultations.html", event=event,
                           booked=consultations.bookings(event), form=ConsultationForm(),
                           action_form=ActionForm())


@bp.post("/events/<int:event_id>/consultations/<int:desk_id>/<int:slot_id>")
@login_required
def book_consultation(event_id: int, desk_id: int, slot_id: int):
    desk, slot = db.get_or_404(ConsultationDesk, desk_id), db.get_or_404(Slot, slot_id)
    if desk.event_id != event_id or slot.event_id != event_id:
        abort(404)
    form = ConsultationForm()
    if not form.validate_on_submit():
        abort(400)
    if not current_user.is_supplier or current_user.company_id is None:
        abort(403)
    consultations.book(desk, slot, db.session.get(Company, current_user.company_id),
                       current_user, form.question.data or "")
    db.session.commit()
    flash(_("Consultation booked: it is on your agenda."), "success")
    return redirect(url_for("expo.consultation_desks", event_id=event_id))


@bp.post("/events/<int:event_id>/consultations/<int:consultation_id>/cancel")
@login_required
def cancel_consultation(event_id: int, consultation_id: int):
    consultation = db.get_or_404(Consultation, consultation_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    consultations.cancel(consultation, current_user)
    db.session.commit()
    flash(_("Consultation cancelled."), "info")
    return redirect(url_for("expo.consultation_desks", event_id=event_id))
