"""What every bulk import shares: the report, the rejection and cell parsers."""

from dataclasses import dataclass, field

from app.core.errors import DomainError
from app.i18n import _, _l
from app.reference.countries import normalize_country
from app.reference.hs import InvalidHSCode, is_current, normalize_hs
from app.spreadsheets.tabular import Problem


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    companies_created: int = 0
    companies_updated: int = 0
    warnings: list[Problem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def problem(self, row: int, column: str | None, message: str) -> None:
        self.problems.append(Problem(message=message, row=row, column=column))


class ImportRejected(DomainError):
    """Some rows are wrong; the report lists each, and nothing was written."""

    status = 422
    message = _l("The file was not imported: fix the rows listed and upload it again.")

    def __init__(self, report: ImportReport) -> None:
        super().__init__()
        self.report = report


def split_list(cell: str) -> list[str]:
    """A `;`-separated cell as its non-empty items, order kept, duplicates dropped."""
    items = [item.strip() for item in (cell or "").split(";")]
    return list(dict.fromkeys(item for item in items if item))


CERTIFICATION_NAME_MAX = 80  # certification.name is VARCHAR(80)


def parse_certifications(cell: str, row: int, column: str, report) -> list[str]:
    """A `;`-separated list of certification names; a name too long for one is a problem."""
    names = split_list(cell)
    for name in names:
        if len(name) > CERTIFICATION_NAME_MAX:
            report.problem(row, column, _(
                "A certification name may have at most %(max)d characters: separate several "
                "certifications with \";\".", max=CERTIFICATION_NAME_MAX))
    return [name for name in names if len(name) <= CERTIFICATION_NAME_MAX]


def pad_hs_digits(code: str) -> str:
    """Spreadsheets drop the leading zero of chapters 01-09 (e.g. 30617 for 030617)."""
    return "0" + code if code.isdigit() and len(code) in (1, 3, 5) else code


def parse_hs(raw: str, row: int, column: str, report: ImportReport) -> str | None:
    try:
        code = normalize_hs(pad_hs_digits(raw.strip()))
        if not is_current(code):
            report.warnings.append(Problem(_(
                "HS subheading %(value)s is not in the current edition of the Harmonized "
                "System; it was kept under heading %(heading)s.", value=code, heading=code[:4]),
                row=row, column=column))
        return code
    except InvalidHSCode as error:
        if str(error) == "format":
            message = _("\"%(value)s\" is not an HS code: use 2, 4 or 6 digits, e.g. 190230.",
                        value=raw)
        else:
            message = _("HS code %(value)s does not exist in the Harmonized System.", value=raw)
        report.problem(row, column, message)
        return None


def parse_countries(cell: str, row: int, column: str, report: ImportReport) -> list[str]:
    codes = []
    for raw in split_list(cell):
        code = normalize_country(raw)
        if code is None:
            report.problem(row, column, _(
                "\"%(value)s\" is not an ISO 3166-1 alpha-2 country code (e.g. NZ, US, VN).",
                value=raw))
        else:
            codes.append(code)
    return list(dict.fromkeys(codes))


def check_length(value: str, limit: int, row: int, column: str, report: ImportReport) -> None:
    if len(value) > limit:
        report.problem(row, column, _("Too long: at most %(limit)d characters.", limit=limit))
