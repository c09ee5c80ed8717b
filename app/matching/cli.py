"""`flask --app app match ...`: reindex, export rankings, show the index state."""

import json
from pathlib import Path

import click
from flask.cli import AppGroup

from app.i18n import _
from app.matching import services
from app.matching.engine import engine

cli = AppGroup("match", help="Pre-matching of buyers and suppliers.")


@cli.command("reindex")
def reindex_command() -> None:
    """Embed what changed (everything, after a model change) and rebuild both indexes."""
    bars: dict[str, click.progressbar] = {}

    def progress(kind: str, done: int, total: int) -> None:
        if kind not in bars:
            label = _("Embedding products") if kind == "product" else _("Embedding buyers")
            bars[kind] = click.progressbar(length=total, label=label)
            bars[kind].__enter__()
        bar = bars[kind]
        bar.update(done - bar.pos)
        if done >= total:
            bar.__exit__(None, None, None)

    sizes = engine().rebuild(progress)
    click.echo(_("Index rebuilt with %(model)s: %(products)d products, %(buyers)d buyers.",
                 model=engine().embedder.name, products=sizes["product"],
                 buyers=sizes["buyer"]))


@cli.command("export")
@click.option("--top", "top", type=click.IntRange(1, 1000), default=10, show_default=True,
              help="Suppliers per buyer.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True)
def export_command(top: int, output: Path) -> None:
    """Write {buyer_ref: [supplier_ref, ...]} for every buyer, best first (FORMATS.md)."""
    rankings = services.export_rankings(top)
    output.write_text(json.dumps(rankings, ensure_ascii=False, indent=1), encoding="utf-8")
    click.echo(_("%(buyers)d buyers written to %(path)s.", buyers=len(rankings),
                 path=str(output)))
