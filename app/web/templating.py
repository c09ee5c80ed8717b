"""Jinja filters and globals: localized names, numbers, currencies and dates (Babel)."""

from flask import Flask, current_app, request, url_for
from flask_babel import format_date, format_decimal

from app.core.formatting import format_datetime, format_time, usd
from app.i18n import bilingual, current_language, localized
from app.idempotency import new_key
from app.reference.countries import country_name
from app.reference.hs import hs_description, hs_hierarchy
from app.urls import web_url


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
        hs_hierarchy=hs_hierarchy, url_with=url_with, url_endpoints=url_endpoints,
        submission_key=new_key)
