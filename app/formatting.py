"""Jinja filters and globals: localized names, numbers, currencies and dates (Babel)."""

from datetime import datetime, time
from decimal import Decimal

from flask import Flask, current_app, request, url_for
from flask_babel import format_currency, format_date, format_decimal, get_locale
from flask_babel import format_datetime as babel_format_datetime
from flask_babel import format_time as babel_format_time

from app.auth.permissions import can_edit_buyer, can_edit_company
from app.i18n import bilingual, current_language, localized
from app.idempotency import new_key
from app.reference.countries import country_name
from app.reference.hs import hs_description, hs_hierarchy
from app.urls import web_url


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


def url_with(**changes) -> str:
    """The current page's URL with some query arguments changed (for pagination)."""
    args = request.args.to_dict()
    args.update({k: v for k, v in changes.items()})
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def url_endpoints() -> set[str]:
    """Endpoints this app serves, for links to optional pages."""
    return set(current_app.view_functions)


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        country_name=country_name, hs_description=hs_description, usd=usd,
        datetimeformat=format_datetime, dateformat=format_date, timeformat=format_time,
        number=format_decimal, web_url=web_url)
    app.jinja_env.globals.update(
        localized=localized, bilingual=bilingual, current_language=current_language,
        can_edit_company=can_edit_company, can_edit_buyer=can_edit_buyer,
        hs_hierarchy=hs_hierarchy, url_with=url_with, url_endpoints=url_endpoints,
        submission_key=new_key)
