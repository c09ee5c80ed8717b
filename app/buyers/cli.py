"""`flask --app app buyers ...`: import and export buyer profiles."""

from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.buyers import transfer
from app.buyers.models import Buyer
from app.extensions import db
from app.spreadsheets.cli import run_import

cli = AppGroup("buyers", help="Import and export buyer profiles.")


@cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(path: Path) -> None:
    """Import buyer profiles (.csv or .xlsx, FORMATS.md columns); all rows or none."""
    run_import(path, transfer.import_buyers, transfer.COLUMNS)


@cli.command("export")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="File to write; .csv or .xlsx.")
def export_command(output: Path) -> None:
    """Export every buyer profile in the FORMATS.md columns."""
    file_format = "xlsx" if output.suffix.lower() == ".xlsx" else "csv"
    buyers = db.session.scalars(select(Buyer).order_by(Buyer.buyer_ref)).all()
    output.write_bytes(transfer.export_buyers(list(buyers), file_format))
    click.echo(str(output))
