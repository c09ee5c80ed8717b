"""Event, session, request and scheduling forms."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from app.i18n import _l
from app.idempotency import SubmissionKeyField
from app.ids import WholeNumberField
from app.web.forms import LanguageListField


class EventForm(FlaskForm):
    name_ko = StringField(_l("Event name (Korean)"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Event name (English)"), validators=[DataRequired(), Length(max=200)])
    venue_ko = StringField(_l("Venue (Korean)"), validators=[Length(max=200)])
    venue_en = StringField(_l("Venue (English)"), validators=[Length(max=200)])
    starts_on = DateField(_l("First day"), validators=[DataRequired()])
    ends_on = DateField(_l("Last day"), validators=[DataRequired()])
    booking_mode = SelectField(_l("Scheduling"), choices=[
        SelectChoice("organiser", _l("The organiser schedules accepted requests in a batch")),
        SelectChoice("participants", _l("Participants pick a slot when accepting"))])
    auto_accept = BooleanField(_l("Accept requests automatically"))
    max_requests = WholeNumberField(_l("Requests per participant"), default=20,
                                validators=[NumberRange(min=1, max=500)])
    request_expiry_hours = WholeNumberField(_l("Pending requests expire after (hours)"), default=72,
                                        validators=[NumberRange(min=1, max=24 * 60)])
    submit = SubmitField(_l("Save event"))

    def validate_ends_on(self, field) -> None:
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The last day cannot be before the first day."))


class SessionForm(FlaskForm):
    day = DateField(_l("Day"), validators=[DataRequired()])
    start = TimeField(_l("From"), validators=[DataRequired()])
    end = TimeField(_l("Until"), validators=[DataRequired()])
    slot_minutes = WholeNumberField(_l("Slot length (minutes)"), default=30,
                                validators=[NumberRange(min=5, max=240)])
    break_minutes = WholeNumberField(_l("Break between slots (minutes)"), default=0,
                                 validators=[NumberRange(min=0, max=120)])
    submit = SubmitField(_l("Add session"))

    def validate_end(self, field) -> None:
        if self.start.data and field.data and field.data <= self.start.data:
            raise ValidationError(_l("A session must end after it starts."))


class TablesForm(FlaskForm):
    count = WholeNumberField(_l("Number of tables"), default=10,
                         validators=[NumberRange(min=1, max=500)])
    zone = StringField(_l("Hall or zone"), validators=[Length(max=60)])
    submit = SubmitField(_l("Add tables"))


class InterpreterForm(FlaskForm):
    name = StringField(_l("Interpreter"), validators=[DataRequired(), Length(max=100)])
    languages = LanguageListField(_l("Languages"), validators=[DataRequired()],
                                  description=_l("Two-letter codes separated by ;, e.g. ko; en"))
    submit = SubmitField(_l("Add interpreter"))


class DeskForm(FlaskForm):
    topic = SelectField(_l("Topic"), choices=[
        SelectChoice("export", _l("Export")), SelectChoice("legal", _l("Legal")),
        SelectChoice("logistics", _l("Logistics")), SelectChoice("finance", _l("Finance"))])
    expert = StringField(_l("Expert"), validators=[DataRequired(), Length(max=100)])
    submit = SubmitField(_l("Add desk"))


class RegistrationForm(FlaskForm):
    public = BooleanField(_l("Show me in the public participant list"), default=True)
    booth = StringField(_l("Booth (organisers only)"), validators=[Optional(), Length(max=20)])
    submit = SubmitField(_l("Save registration"))


class RequestForm(FlaskForm):
    submission = SubmissionKeyField()
    message = TextAreaField(_l("Message"), validators=[Length(max=1000)])
    submit = SubmitField(_l("Request a meeting"))


class AnswerForm(FlaskForm):
    reason = StringField(_l("Reason (if you decline)"), validators=[Length(max=500)])
    slot = SelectField(_l("Time slot"), coerce=int, validate_choice=False, default=0)
    accept = SubmitField(_l("Accept"))
    decline = SubmitField(_l("Decline"))


class ScheduleForm(FlaskForm):
    time_limit = WholeNumberField(_l("Time limit (seconds)"), default=60,
                              validators=[NumberRange(min=1, max=600)])
    submit = SubmitField(_l("Schedule accepted requests"))


class MoveForm(FlaskForm):
    slot = SelectField(_l("Slot"), coerce=int)
    table = SelectField(_l("Table"), coerce=int)
    interpreter = SelectField(_l("Interpreter"), coerce=int)
    submit = SubmitField(_l("Move"))
