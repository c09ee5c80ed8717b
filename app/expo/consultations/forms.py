"""Booking a consultation."""

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length

from app.i18n import _l


class ConsultationForm(FlaskForm):
    question = StringField(_l("Your question (optional)"), validators=[Length(max=1000)])
