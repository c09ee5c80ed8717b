"""The after-meeting form: what happened at the meeting and the deal the pair is working on."""

from decimal import Decimal

from babel.numbers import get_currency_name, list_currencies
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length, Optional, ValidationError

from app.expo.models import DEAL_STAGES
from app.i18n import _l, current_language
from app.numbers import AmountField

COMMON_CURRENCIES = ("USD", "KRW", "EUR", "JPY", "CNY", "GBP", "AUD", "NZD", "CAD", "SGD", "VND",
                     "THB", "MYR", "IDR", "AED", "SAR", "MXN", "BRL")
# Deal.value is Numeric(14, 2).
MAX_DEAL_VALUE = Decimal("999999999999.99")

STAGE_LABELS = {"contact": _l("Contact made"), "negotiating": _l("Negotiating"),
                "mou": _l("MOU signed"), "order": _l("Order placed")}
SATISFACTION = ("1", "2", "3", "4", "5")


def currency_label(code: str) -> str:
    """"KRW · 대한민국 원": the code, then its name in the viewer's language (CLDR)."""
    return f"{code} · {get_currency_name(code, locale=current_language())}"


class MoneyField(AmountField):
    """A non-negative amount; "1,250,000" and "1250000.5" are read, rounded to cents, and
    "1,250" or "12,50" are refused as ambiguous (app/numbers.py reads every form and import)."""


class OutcomeForm(FlaskForm):
    held = RadioField(_l("Did the meeting take place?"), choices=[
        SelectChoice("yes", _l("Yes, we met")),
        SelectChoice("no", _l("No, the other side did not come"))],
        validate_choice=False,
        validators=[InputRequired(_l("Say whether the meeting took place.")),
                    AnyOf(("yes", "no"), message=_l("Say whether the meeting took place."))])
    satisfaction = RadioField(
        _l("How useful was the meeting?"),
        choices=[*(SelectChoice(value, value) for value in SATISFACTION),
                 SelectChoice("", _l("No score"))],
        validate_choice=False,
        description=_l("1 = not useful at all, 5 = very useful. Leave it empty if you did not "
                       "meet."),
        validators=[Optional(), AnyOf(SATISFACTION, message=_l(
            "Choose a satisfaction score from 1 to 5."))])
    notes = TextAreaField(_l("Notes"), validators=[Length(max=2000)])
    stage = SelectField(_l("Deal stage"), validate_choice=False, validators=[AnyOf(
        ("", *DEAL_STAGES), message=_l("Choose a deal stage from the list."))])
    value = MoneyField(_l("Deal value"), validators=[Optional()],
                       description=_l("Optional: the expected or signed amount."))
    currency = SelectField(_l("Currency"), validate_choice=False, default="USD")
    submit = SubmitField(_l("Save outcome"))

    def __init__(self, *args, has_deal: bool = False, current_currency: str | None = None,
                 **kwargs) -> None:
        """Without a deal yet, the pair may record none; a deal in another ISO currency keeps
        its currency in the list."""
        super().__init__(*args, **kwargs)
        self.has_deal = has_deal
        stages = [SelectChoice(stage, STAGE_LABELS[stage]) for stage in DEAL_STAGES]
        if not has_deal:
            stages.insert(0, SelectChoice("", _l("No deal to record")))
        self.stage.choices = stages
        codes = list(COMMON_CURRENCIES)
        if current_currency and current_currency not in codes \
                and current_currency in list_currencies():
            codes.append(current_currency)
        self.currency.choices = [SelectChoice(code, currency_label(code)) for code in codes]

    def validate_satisfaction(self, field) -> None:
        if field.data and self.held.data == "no":
            raise ValidationError(_l("Leave the score empty when the meeting did not take "
                                     "place."))

    def validate_stage(self, field) -> None:
        if not field.data and self.has_deal:
            raise ValidationError(_l("Choose a deal stage from the list."))
        if not field.data and self.value.data is not None:
            raise ValidationError(_l("Choose the deal stage to record its value."))

    def validate_value(self, field) -> None:
        """Only a number that was read: an unreadable one already has its message."""
        if field.data is None:
            return
        if field.data < 0:
            raise ValidationError(_l("The deal value cannot be negative."))
        if field.data > MAX_DEAL_VALUE:
            raise ValidationError(_l("The deal value is too large."))

    def validate_currency(self, field) -> None:
        if field.data not in {choice.value for choice in self.currency.choices}:
            raise ValidationError(_l("Choose a currency from the list."))
