"""Running imports from the command line and reporting them in the user's language."""

from collections.abc import Callable, Collection
from pathlib import Path

import click
from flask import current_app

from app.extensions import db
from app.i18n import _
from app.spreadsheets.importing import ImportRejected, ImportReport
from app.spreadsheets.tabular import FileRejected, Problem, Table, read_path


def echo_problems(problems: list[Problem]) -> None:
    for problem in problems:
        where = []
        if problem.row is not None:
            where.append(_("row %(row)d", row=problem.row))
        if problem.column:
            where.append(problem.column)
        prefix = ", ".join(where)
        click.echo(f"  {prefix}: {problem.message}" if prefix else f"  {problem.message}",
                   err=True)


def run_import(path: Path, importer: Callable[[Table], ImportReport],
               expected: Collection[str] = ()) -> None:
    """Read (the sheet with the `expected` columns), import and commit once; on any problem
    print each and exit 1 with nothing written."""
    config = current_app.config
    try:
        table = read_path(path, max_rows=config["IMPORT_MAX_ROWS"],
                          max_bytes=config["MAX_CONTENT_LENGTH"], expected=expected)
        report = importer(table)
    except (FileRejected, ImportRejected) as error:
        db.session.rollback()
        problems = error.problems if isinstance(error, FileRejected) else error.report.problems
        click.echo(_("The file was not imported: fix the rows listed and upload it again."),
                   err=True)
        echo_problems(problems)
        raise SystemExit(1) from error
    db.session.commit()
    echo_problems(report.warnings)
    click.echo(_("%(created)d created, %(updated)d updated, %(unchanged)d unchanged.",
                 created=report.created, updated=report.updated, unchanged=report.unchanged))
