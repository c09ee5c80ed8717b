"""Match filters, preferences and pre-matching runs."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, StringField, SubmitField
from wtforms.validators import AnyOf, NumberRange, Optional

from app.i18n import _l


class MatchFilterForm(FlaskForm):
    """GET filters of "Suppliers for you"."""

    class Meta:
        csrf = False

    region = StringField(_l("Region"))
    certification = StringField(_l("Certification"))
    chapter = StringField(_l("HS chapter"))
    max_moq = IntegerField(_l("Largest acceptable MOQ"), validators=[Optional(),
                                                                    NumberRange(min=1)])


class PreferenceForm(FlaskForm):
    choice = HiddenField(validators=[AnyOf(["meet", "must_meet", "no_thanks", "clear"])])


class RunForm(FlaskForm):
    top = IntegerField(_l("Suppliers per buyer"), default=10,
                       validators=[NumberRange(min=1, max=50)])
    submit = SubmitField(_l("Run pre-matching"))
