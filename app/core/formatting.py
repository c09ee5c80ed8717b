"""Numbers, currencies and dates in the viewer's locale (Babel); app/web/templating.py makes
them Jinja filters."""

from datetime import datetime, time
from decimal import Decimal

from flask_babel import format_currency, get_locale
from flask_babel import format_datetime as babel_format_datetime
from flask_babel import format_time as babel_format_time


def usd(amount: Decimal | None) -> str:
    return "" if amount is None else format_currency(amount, "USD")


NAMED_FORMATS = ("short", "medium", "long", "full")


def _wide_periods(kind: str, format: str) -> str:
    """The locale's pattern with the day period written out where CLDR abbreviates it to
    Latin letters: Korean's abbreviated 오전/오후 is "AM"/"PM", which Korean readers do not
    expect, so Korean gets the wide form ("aaaa"). Other locales keep their named format."""
    locale = get_locale()
    if locale is None or locale.language != "ko" or format not in NAMED_FORMATS:
        return format
    time_pattern = locale.time_formats[format].pattern.replace("a", "aaaa")
    if kind == "time":
        return time_pattern
    return (str(locale.datetime_formats[format])
            .replace("{1}", locale.date_formats[format].pattern).replace("{0}", time_pattern))


def format_datetime(value: datetime | None = None, format: str = "medium") -> str:
    return babel_format_datetime(value, _wide_periods("datetime", format))


def format_time(value: datetime | time | None = None, format: str = "medium") -> str:
    return babel_format_time(value, _wide_periods("time", format))
