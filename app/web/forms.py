"""Form fields and validators shared by the domains."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from app.i18n import _l
from app.reference.countries import country_choices, normalize_country
from app.reference.hs import InvalidHSCode, normalize_hs
from app.spreadsheets.importing import pad_hs_digits, split_list


class HSCode:
    """Validator: an HS code of 2, 4 or 6 digits that exists; stores the normalised code."""

    def __call__(self, form, field) -> None:
        if not field.data:
            return
        try:
            field.data = normalize_hs(pad_hs_digits(field.data.strip()))
        except InvalidHSCode as error:
            raise ValidationError(_l("Enter an existing HS code of 2, 4 or 6 digits, e.g. 190230.")
                                  ) from error


class ListField(StringField):
    """A `;`- or comma-separated list, e.g. "HACCP; Halal"."""

    def process_data(self, value) -> None:
        """Stored lists hold strings or named records (certifications)."""
        self.data = [getattr(item, "name", item) for item in value or []]

    def process_formdata(self, valuelist) -> None:
        if valuelist:
            self.data = split_list((valuelist[0] or "").replace(",", ";"))

    def _value(self) -> str:
        return "; ".join(self.data or [])


class CountryListField(ListField):
    def pre_validate(self, form) -> None:
        codes = []
        for raw in self.data or []:
            code = normalize_country(raw)
            if code is None:
                raise ValidationError(_l("%(value)s is not a two-letter country code.", value=raw))
            codes.append(code)
        self.data = codes


class LanguageListField(ListField):
    """ISO 639-1 codes, e.g. "ko; en"."""

    def pre_validate(self, form) -> None:
        import pycountry

        codes = []
        for raw in self.data or []:
            code = raw.strip().lower()
            if len(code) != 2 or pycountry.languages.get(alpha_2=code) is None:
                raise ValidationError(_l("%(value)s is not a two-letter language code.",
                                         value=raw))
            codes.append(code)
        self.data = codes

    def process_data(self, value) -> None:
        self.data = [code for code in (value or "").split(";") if code] \
            if isinstance(value, str) else list(value or [])


class CountrySelectField(SelectField):
    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, choices=[], **kwargs)

    def _localized_choices(self) -> list[SelectChoice]:
        return [SelectChoice(code, name) for code, name in country_choices()]

    def pre_validate(self, form) -> None:
        self.choices = self._localized_choices()
        super().pre_validate(form)

    def iter_choices(self):
        self.choices = self._localized_choices()
        return super().iter_choices()


class UploadForm(FlaskForm):
    file = FileField(_l("File (.csv or .xlsx)"), validators=[
        FileRequired(_l("Choose a file to upload.")),
        FileAllowed(["csv", "xlsx"], _l("Upload a .csv or .xlsx file."))])
    submit = SubmitField(_l("Import"))


class ActionForm(FlaskForm):
    """No fields: carries the CSRF token of a button that posts an action."""


class DeleteForm(FlaskForm):
    """An empty form that carries the CSRF token of a delete button."""

    submit = SubmitField(_l("Delete"))


def optional_text(max_length: int):
    return [Optional(), Length(max=max_length)]
