"""Translation helpers, locale selection and bilingual field access."""

import os
from typing import Any

from flask import current_app, has_request_context, request, session
from flask_babel import get_locale, gettext, lazy_gettext, lazy_pgettext, ngettext
from flask_login import current_user

_ = gettext
_l = lazy_gettext
_lp = lazy_pgettext  # with a context, for a word that other places translate otherwise
__all__ = ["_", "_l", "_lp", "ngettext", "select_locale", "localized", "bilingual"]

LOCALE_COOKIE = "locale"


def _supported(code: str | None) -> str | None:
    if not code:
        return None
    code = code.split("_")[0].split("-")[0].lower()
    return code if code in current_app.config["LANGUAGES"] else None


def select_locale() -> str:
    """The user's setting, else the language switch, else Accept-Language.

    Outside a request (CLI), EXPOMATCH_LANG or LANG decides, so `LANG=ko_KR.UTF-8 flask ...`
    reports in Korean.
    """
    if not has_request_context():
        env = os.environ.get("EXPOMATCH_LANG") or os.environ.get("LANG")
        return _supported(env) or current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and _supported(current_user.locale):
        return current_user.locale
    chosen = _supported(session.get(LOCALE_COOKIE)) or _supported(
        request.cookies.get(LOCALE_COOKIE)
    )
    if chosen:
        return chosen
    return request.accept_languages.best_match(current_app.config["LANGUAGES"]) or "en"


def current_language() -> str:
    return str(get_locale() or "en").split("_")[0]


def localized(obj: Any, field: str) -> str:
    """`obj.<field>_<lang>` in the viewer's language, falling back to the other language."""
    lang = current_language()
    other = "en" if lang == "ko" else "ko"
    return getattr(obj, f"{field}_{lang}", None) or getattr(obj, f"{field}_{other}", None) or ""


def bilingual(obj: Any, field: str) -> list[tuple[str, str]]:
    """[(text, lang), ...]: the viewer's language first, the other beside it, empties skipped."""
    lang = current_language()
    order = (lang, "en" if lang == "ko" else "ko")
    return [(text, code) for code in order if (text := getattr(obj, f"{field}_{code}", None))]
