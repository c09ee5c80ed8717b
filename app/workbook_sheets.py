"""Which sheet of a workbook holds the data: people put instructions on the first sheet and
the table on another. The sheet whose first rows hold most of the expected column names is
read; when none does, the error names the sheets the workbook has."""

from collections.abc import Collection

from app.i18n import _

HEADER_SEARCH_ROWS = 10


def _header_score(sheet, expected: Collection[str]) -> int:
    best = 0
    for values in sheet.iter_rows(values_only=True, max_row=HEADER_SEARCH_ROWS, max_col=100):
        names = {str(value).strip().lstrip("\ufeff") for value in values if value is not None}
        best = max(best, len(names & set(expected)))
    return best


def data_sheet(workbook, expected: Collection[str]):
    """(the worksheet to read, a note when it is not the first), or (None, the error) when no
    sheet has any expected column."""
    sheets = workbook.worksheets
    if not expected or not sheets:
        return (sheets[0] if sheets else None), None
    scores = [_header_score(sheet, expected) for sheet in sheets]
    if scores[0] and scores[0] == max(scores):
        return sheets[0], None
    if max(scores) > 0:
        chosen = sheets[scores.index(max(scores))]
        return chosen, _("The sheet \u201c%(sheet)s\u201d was read: it has the expected columns "
                         "(the first sheet has not).", sheet=chosen.title)
    return None, _("No sheet of the workbook has the expected columns (%(columns)s). Its sheets "
                   "are: %(sheets)s.", columns=", ".join(list(expected)[:5]) + ", …",
                   sheets=", ".join(f"\u201c{sheet.title}\u201d" for sheet in sheets))
