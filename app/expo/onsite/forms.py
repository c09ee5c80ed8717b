"""Forms of the day itself: check-in, no-shows, taking a freed slot, notifications."""

from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from app.i18n import _l


class CheckInForm(FlaskForm):
    code = StringField(_l("Check-in code"), validators=[DataRequired(), Length(max=12)],
                       description=_l("Type the code printed on the agenda, or scan its QR code."),
                       render_kw={"autocomplete": "off", "autofocus": True,
                                  "autocapitalize": "characters", "spellcheck": "false"})
    submit = SubmitField(_l("Check in"))


class NoShowForm(FlaskForm):
    submit = SubmitField(_l("No-show"))


class TakeSlotForm(FlaskForm):
    submit = SubmitField(_l("Take this slot"))


class ReadAllForm(FlaskForm):
    submit = SubmitField(_l("Mark all as read"))
