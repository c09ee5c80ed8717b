"""Countries by ISO 3166-1 alpha-2 code, named in the viewer's language by Babel (CLDR)."""

from functools import cache

import pycountry
from babel import Locale

from app.i18n import current_language


@cache
def _known_codes() -> frozenset[str]:
    return frozenset(country.alpha_2 for country in pycountry.countries)


def normalize_country(code: str) -> str | None:
    """Upper-case alpha-2 code if it names a country, else None."""
    code = (code or "").strip().upper()
    return code if code in _known_codes() else None


def country_name(code: str, language: str | None = None) -> str:
    territories = Locale.parse(language or current_language()).territories
    return territories.get(code) or code


def country_choices(language: str | None = None) -> list[tuple[str, str]]:
    """(code, localized name) for every country, sorted by name."""
    language = language or current_language()
    return sorted(((code, country_name(code, language)) for code in _known_codes()),
                  key=lambda pair: pair[1])
