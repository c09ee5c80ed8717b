"""`flask --app app catalogue ...`: import and export supplier catalogues."""

from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.catalogue import transfer
from app.catalogue.models import Company
from app.extensions import db
from app.spreadsheets.cli import run_import

cli = AppGroup("catalogue", help="Import and export supplier catalogues.")


@cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(path: Path) -> None:
    """Import a catalogue (.csv or .xlsx, FORMATS.md columns); all rows or none."""
    run_import(path, transfer.import_catalogue, transfer.COLUMNS)


@cli.command("export")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="File to write; .csv or .xlsx.")
def export_command(output: Path) -> None:
    """Export every catalogue in the FORMATS.md columns."""
    file_format = "xlsx" if output.suffix.lower() == ".xlsx" else "csv"
    companies = db.session.scalars(select(Company).order_by(Company.supplier_ref)).all()
    output.write_bytes(transfer.export_catalogue(list(companies), file_format))
    click.echo(str(output))
