"""Numbers people type or paste (prices, deal values), read one way in forms and imports.

A point is the decimal separator; commas may group thousands in threes ("1,250,000",
"1,234.56"). What could mean two things is refused rather than guessed: "1,200" (1200, or
1.2 with a decimal comma?), "2,40" and "1.234,56" (decimal commas): the error says how to
write it. Spaces and a leading "$" are ignored.
"""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from wtforms import DecimalField

from app.i18n import _l

PLAIN = re.compile(r"-?(\d+(\.\d+)?|\.\d+)", re.ASCII)
GROUPED = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d+)?", re.ASCII)
CENTS = Decimal("0.01")


class NumberError(ValueError):
    """What is wrong with a number, in the reader's language (`str(error)`)."""

    def __init__(self, message) -> None:
        self.message = message
        super().__init__(str(message))

    def __str__(self) -> str:
        return str(self.message)


def parse_decimal(raw: str | None) -> Decimal | None:
    """The number in `raw` (None when blank); NumberError when it is not one, or not clearly
    one. A minus sign is read: the caller's range check says what is allowed."""
    text = "".join((raw or "").split()).removeprefix("US$").removeprefix("$")
    if not text:
        return None
    if PLAIN.fullmatch(text):
        pass
    elif GROUPED.fullmatch(text) and (text.count(",") > 1 or "." in text):
        text = text.replace(",", "")
    elif "," in text and re.fullmatch(r"-?[0-9.,]+", text):
        raise NumberError(_l("\"%(value)s\" is ambiguous: write it with a decimal point and "
                             "no thousands separator, e.g. 1234.56.", value=raw.strip()))
    else:
        raise NumberError(_l("\"%(value)s\" is not a number: write it in figures, e.g. "
                             "1234.56.", value=raw.strip()))
    try:
        value = Decimal(text)
    except InvalidOperation as error:  # cannot happen after the patterns; kept as a guard
        raise NumberError(_l("\"%(value)s\" is not a number: write it in figures, e.g. "
                             "1234.56.", value=raw.strip())) from error
    return value


def to_cents(value: Decimal) -> Decimal:
    """Rounded half up to cents (values too long to round are returned as they are, for the
    range check to refuse)."""
    try:
        return value.quantize(CENTS, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return value


class AmountField(DecimalField):
    """A form field read with parse_decimal(), rounded to cents."""

    def process_formdata(self, valuelist) -> None:
        self.data = None
        if valuelist:
            value = parse_decimal(valuelist[0])  # NumberError is the field's error
            self.data = to_cents(value) if value is not None else None
