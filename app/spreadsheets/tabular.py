"""Reading and writing the FORMATS.md spreadsheets (CSV and XLSX), row by row and safely."""

import csv
import io
import zipfile
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO
from xml.etree.ElementTree import ParseError

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils.exceptions import InvalidFileException

from app.core.errors import DomainError
from app.csv_dialects import decode, delimiter
from app.i18n import _, _l
from app.workbook_sheets import data_sheet

SUFFIXES = (".csv", ".xlsx")
MAX_CELL_CHARS = 10_000
MAX_COLUMNS = 100
# An .xlsx is a zip: a small upload can unpack to gigabytes. Declared sizes bind zipfile (it
# stops at them and checks the CRC), so their sum bounds what reading the workbook unpacks.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
# Cells that spreadsheet programs would run as formulas (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Problem:
    """One thing wrong with an uploaded file; row numbers count the header as row 1."""

    message: str
    row: int | None = None
    column: str | None = None


@dataclass
class Table:
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    # How the file was read when that is worth saying (an encoding, a sheet): for the report.
    notes: list[Problem] = field(default_factory=list)


class _NoValue(str):
    """A formula cell the workbook holds no computed value for."""


NO_VALUE = _NoValue("=")


class FileRejected(DomainError):
    """The file as a whole could not be read; nothing was imported."""

    status = 422
    message = _l("The file could not be imported.")

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__()
        self.problems = problems

    def text(self) -> str:
        return "; ".join(p.message for p in self.problems)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def unescape_formula(text: str) -> str:
    """Undo export_safe(): a quote before a formula character was ours, not the user's."""
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_PREFIXES:
        return text[1:]
    return text


def _read_csv(data: bytes, notes: list[Problem]) -> list[list[str]]:
    try:
        text, note = decode(data)
    except UnicodeDecodeError as error:
        raise FileRejected([Problem(_(
            "The file is not UTF-8 text (byte %(offset)d). Save it as \"CSV UTF-8\" and try "
            "again.", offset=error.start))]) from error
    if note:
        notes.append(Problem(note))
    try:
        return [row for row in csv.reader(io.StringIO(text, newline=""), strict=True,
                                          delimiter=delimiter(text))]
    except csv.Error as error:
        raise FileRejected([Problem(_("The CSV file is malformed: %(detail)s", detail=str(error)))]
                           ) from error


def _not_a_workbook() -> FileRejected:
    return FileRejected([Problem(_("The file is not a valid Excel workbook (.xlsx)."))])


def _check_unpacked_size(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as error:
        raise _not_a_workbook() from error
    if unpacked > MAX_UNPACKED_BYTES:
        raise FileRejected([Problem(_(
            "The workbook unpacks to more than %(limit)d MB. Split it into smaller files.",
            limit=MAX_UNPACKED_BYTES // 1024 // 1024))])


# What openpyxl raises for a damaged workbook: a broken zip, missing parts, malformed XML
# (including entity expansion, which expat refuses), values of the wrong type.
DAMAGED_WORKBOOK = (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError,
                    IndexError, OSError, EOFError, ParseError)


def _read_xlsx(data: bytes, max_rows: int, expected: Collection[str],
               notes: list[Problem]) -> list[list[str]]:
    _check_unpacked_size(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        # The same cells as written: formulas, to tell an empty cell from an uncomputed one.
        written = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except DAMAGED_WORKBOOK as error:
        raise _not_a_workbook() from error
    try:
        sheet, note = data_sheet(workbook, expected)
        if sheet is None:
            raise FileRejected([Problem(note or _("The workbook has no sheet."))])
        if note:
            notes.append(Problem(note))
        rows = []
        # The sheet's XML is parsed while iterating: damage shows up here too.
        for values, formulas in zip(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS),
                                    written[sheet.title].iter_rows(values_only=True,
                                                                   max_col=MAX_COLUMNS),
                                    strict=False):
            rows.append([NO_VALUE if value is None and isinstance(formula, str)
                         and formula.startswith("=") else _cell_text(value)
                         for value, formula in zip(values, formulas, strict=False)])
            if len(rows) > max_rows + 1:
                break
        return rows
    except DAMAGED_WORKBOOK as error:
        raise _not_a_workbook() from error
    finally:
        workbook.close()
        written.close()


def read_table(stream: BinaryIO, filename: str, *, max_rows: int, max_bytes: int,
               expected: Collection[str] = ()) -> Table:
    """Header and rows of the sheet with the `expected` columns (the first sheet when none
    are given); raises FileRejected for unreadable files."""
    suffix = Path(filename or "").suffix.lower()
    if suffix not in SUFFIXES:
        raise FileRejected([Problem(_(
            "Unsupported file type \"%(suffix)s\". Upload a .csv or .xlsx file.",
            suffix=suffix or "?"))])
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise FileRejected([Problem(_(
            "The file is larger than %(limit)s MB. Split it into smaller files.",
            limit=f"{max_bytes / 1024 / 1024:g}"))])
    notes: list[Problem] = []
    raw_rows = _read_csv(data, notes) if suffix == ".csv" else \
        _read_xlsx(data, max_rows, expected, notes)
    raw_rows = [row for row in raw_rows if any(cell.strip() for cell in row)]
    if not raw_rows:
        raise FileRejected([Problem(_("The file is empty: it needs a header row and data rows."))])
    header = [_cell_text(cell).lstrip("\ufeff") for cell in raw_rows[0]]
    if len(raw_rows) - 1 > max_rows:
        raise FileRejected([Problem(_(
            "The file has more than %(limit)d rows. Split it into files of at most %(limit)d rows.",
            limit=max_rows))])
    duplicates = sorted({name for name in header if name and header.count(name) > 1})
    if duplicates:
        raise FileRejected([Problem(_("Column %(column)s appears more than once.", column=name),
                                    row=1, column=name) for name in duplicates])
    table = Table(columns=[name for name in header if name], notes=notes)
    control = []
    for number, raw in enumerate(raw_rows[1:], start=2):
        row = {}
        for index, name in enumerate(header):
            if name and index < len(raw) and raw[index] is NO_VALUE:
                row[name] = ""
                control.append(Problem(_(
                    "A formula without a computed value: open the file in Excel, save it, and "
                    "upload it again (or paste the values instead of the formula)."),
                    row=number, column=name))
            elif name:
                row[name] = unescape_formula(_cell_text(raw[index]) if index < len(raw) else "")
                if ILLEGAL_CHARACTERS_RE.search(row[name]):
                    control.append(Problem(_(
                        "Contains a control character (such as U+0000) that spreadsheets and "
                        "the database cannot hold: remove it."), row=number, column=name))
        table.rows.append((number, row))
    if control:
        raise FileRejected(control)
    return table


def read_path(path: Path, *, max_rows: int, max_bytes: int,
              expected: Collection[str] = ()) -> Table:
    with path.open("rb") as stream:
        return read_table(stream, path.name, max_rows=max_rows, max_bytes=max_bytes,
                          expected=expected)


def check_columns(table: Table, expected: list[str], required: set[str]) -> list[Problem]:
    """Missing required columns are problems; extra columns are returned as warnings."""
    missing = [name for name in expected if name in required and name not in table.columns]
    if missing:
        raise FileRejected([Problem(_("Required column %(column)s is missing.", column=name),
                                    row=1, column=name) for name in missing])
    return [Problem(_("Column %(column)s is not part of the format and was ignored.",
                      column=name), row=1, column=name)
            for name in table.columns if name not in expected]


def export_safe(value: object) -> str:
    """Text for a cell that no spreadsheet will evaluate as a formula."""
    text = "" if value is None else str(value)
    if isinstance(value, Decimal | int | float):
        return text
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def write_csv(columns: list[str], rows: list[list[object]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows([[export_safe(v) for v in row] for row in rows])
    # With a byte-order mark: Excel (Korean Excel above all) otherwise reads CP949.
    return out.getvalue().encode("utf-8-sig")


def write_xlsx(columns: list[str], rows: list[list[object]], title: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.append(columns)
    for row in rows:
        # Strings go in as strings: openpyxl would otherwise store "=..." as a formula.
        # Control characters (typed into a form) cannot be stored in a workbook at all.
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", export_safe(v)) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
