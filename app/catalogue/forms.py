"""Supplier registration, company profile, product and directory forms."""

from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, SubmitField, TextAreaField, URLField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp

from app.auth.forms import AccountFields
from app.i18n import _l
from app.numbers import AmountField
from app.urls import WebURL
from app.web.forms import CountryListField, HSCode, LanguageListField, ListField, optional_text

REF_PATTERN = Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
                     message=_l("Use letters, digits, dots, dashes and underscores only."))


class SupplierRegistrationForm(AccountFields):
    company_name_ko = StringField(_l("Company name (Korean)"),
                                  validators=[DataRequired(), Length(max=200)])
    company_name_en = StringField(_l("Company name (English)"), validators=optional_text(200))
    supplier_ref = StringField(
        _l("Supplier reference"), validators=[Optional(), Length(max=64), REF_PATTERN],
        description=_l("The supplier_ref your spreadsheets use. Leave blank to get one."))
    submit = SubmitField(_l("Create supplier account"))


class CompanyForm(FlaskForm):
    name_ko = StringField(_l("Company name (Korean)"),
                          validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Company name (English)"), validators=optional_text(200))
    region_ko = StringField(_l("Region (in Korean, e.g. 강원 횡성군)"),
                            validators=optional_text(100))
    description_ko = TextAreaField(_l("Company description (Korean)"),
                                   validators=optional_text(5000))
    description_en = TextAreaField(_l("Company description (English)"),
                                   validators=optional_text(5000))
    website = URLField(_l("Website"), validators=[*optional_text(300), WebURL()])
    contact_name = StringField(_l("Contact person"), validators=optional_text(100))
    contact_email = EmailField(_l("Contact email"),
                               validators=[Optional(), Email(), Length(max=254)])
    contact_phone = StringField(_l("Contact phone"), validators=optional_text(40))
    export_countries = CountryListField(
        _l("Export countries"), description=_l("Two-letter codes separated by ;, e.g. US; JP"))
    languages = LanguageListField(
        _l("Languages your team speaks in meetings"),
        description=_l("Two-letter codes separated by ;, e.g. ko; en. Decides when an "
                       "interpreter is needed."))
    submit = SubmitField(_l("Save company profile"))


class ProductForm(FlaskForm):
    product_ref = StringField(_l("Product reference"),
                              validators=[DataRequired(), Length(max=64), REF_PATTERN])
    name_ko = StringField(_l("Product name (Korean)"),
                          validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Product name (English)"), validators=optional_text(200))
    description_ko = TextAreaField(_l("Description (Korean)"),
                                   validators=[DataRequired(), Length(max=5000)])
    description_en = TextAreaField(_l("Description (English)"), validators=optional_text(5000))
    hs_code = StringField(_l("HS code"), validators=[Optional(), HSCode()],
                          description=_l("2, 4 or 6 digits, e.g. 190230"))
    moq = StringField(_l("Minimum order quantity"), validators=optional_text(100),
                      description=_l("With the unit, e.g. 500 boxes"))
    unit_price_usd = AmountField(_l("Unit price (USD)"), places=2, validators=[
        Optional(), NumberRange(min=0, max=9_999_999_999)])
    certifications = ListField(_l("Certifications"),
                               description=_l("Separated by ;, e.g. HACCP; Halal; FDA"))
    submit = SubmitField(_l("Save product"))


class DirectoryForm(FlaskForm):
    """The directory's filters: a GET form, so links can be shared and no CSRF is needed."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=optional_text(200))
    chapter = StringField(_l("HS chapter"))
    region = StringField(_l("Region"))
    certification = StringField(_l("Certification"))
