"""Buyer registration and profile forms."""

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField, TextAreaField, URLField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from app.auth.forms import AccountFields
from app.i18n import _l
from app.reference.hs import InvalidHSCode, normalize_hs
from app.spreadsheets.importing import pad_hs_digits
from app.urls import WebURL
from app.web.forms import CountrySelectField, ListField, optional_text

LANGUAGE_CHOICES = [SelectChoice("en", "English"), SelectChoice("ko", "한국어")]


class HSCodeListField(ListField):
    def pre_validate(self, form) -> None:
        codes = []
        for raw in self.data or []:
            try:
                codes.append(normalize_hs(pad_hs_digits(raw)))
            except InvalidHSCode as error:
                raise ValidationError(_l("%(value)s is not an existing HS code.", value=raw)
                                      ) from error
        self.data = list(dict.fromkeys(codes))


class BuyerRegistrationForm(AccountFields):
    company_name = StringField(_l("Company name"), validators=[DataRequired(), Length(max=200)])
    country = CountrySelectField(_l("Country"), validators=[DataRequired()])
    language = SelectField(_l("Language you read and write"), choices=LANGUAGE_CHOICES)
    submit = SubmitField(_l("Create buyer account"))


class BuyerProfileForm(FlaskForm):
    company_name = StringField(_l("Company name"), validators=[DataRequired(), Length(max=200)])
    country = CountrySelectField(_l("Country"), validators=[DataRequired()])
    language = SelectField(_l("Language you read and write"), choices=LANGUAGE_CHOICES)
    interests = TextAreaField(
        _l("What do you want to import?"), validators=[DataRequired(), Length(max=5000)],
        description=_l("Products, quantities, requirements: in your own words."))
    required_certifications = ListField(
        _l("Required certifications"), description=_l("Separated by ;, e.g. Halal; FDA"))
    hs_codes = HSCodeListField(_l("HS codes of interest"),
                               description=_l("2, 4 or 6 digits, separated by ;"))
    website = URLField(_l("Website"), validators=[*optional_text(300), WebURL()])
    submit = SubmitField(_l("Save profile"))
