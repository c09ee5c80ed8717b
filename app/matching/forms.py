"""Match filters, preferences and pre-matching runs."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, SubmitField
from wtforms.validators import AnyOf, NumberRange, Optional

from app.i18n import _l
from app.ids import WholeNumberField


class MatchFilterForm(FlaskForm):
    """GET filters of "Suppliers for you"."""

    class Meta:
        csrf = False

    region = StringField(_l("Region"))
    certification = StringField(_l("Certification"))
    chapter = StringField(_l("HS chapter"))
    max_moq = WholeNumberField(_l("Largest acceptable MOQ"), validators=[Optional(),
                                                                    NumberRange(min=1)])


class PreferenceForm(FlaskForm):
    choice = HiddenField(validators=[AnyOf(["meet", "must_meet", "no_thanks", "clear"])])


class RunForm(FlaskForm):
    top = WholeNumberField(_l("Suppliers per buyer"), default=10,
                       validators=[NumberRange(min=1, max=50)])
    submit = SubmitField(_l("Run pre-matching"))
