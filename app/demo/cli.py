"""`flask --app app demo load`: the demo expo's catalogues, buyers and log-ins."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from app.auth import services as auth_services
from app.auth.models import Role
from app.buyers.models import Buyer
from app.buyers.transfer import import_buyers
from app.catalogue.models import Company
from app.catalogue.transfer import import_catalogue
from app.demo.expo import demo_request_counts, load_demo_event
from app.demo.market import LISTINGS, load_demo_market
from app.extensions import db
from app.i18n import _
from app.spreadsheets.cli import run_import

DATA = Path(__file__).with_name("data")
DEMO_PASSWORD = "expomatch-demo"
DEMO_ACCOUNTS = (
    ("organiser@expomatch.demo", Role.ORGANISER, None),
    ("supplier@expomatch.demo", Role.SUPPLIER, "SME001"),
    ("buyer@expomatch.demo", Role.BUYER, "BUY001"),
)

cli = AppGroup("demo", help="Demo data for trying ExpoMatch.")


@cli.command("load")
def load_command() -> None:
    """Import the demo catalogues and buyers and create demo log-ins (safe to repeat)."""
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException(_("Demo data is not loaded in production."))
    run_import(DATA / "catalogue.csv", import_catalogue)
    run_import(DATA / "buyers.csv", import_buyers)
    for email, role, ref in DEMO_ACCOUNTS:
        if auth_services.find_user(email) is not None:
            continue
        owner = {}
        if role == Role.SUPPLIER:
            owner["company_id"] = db.session.scalar(
                select(Company.id).where(Company.supplier_ref == ref))
        elif role == Role.BUYER:
            owner["buyer_id"] = db.session.scalar(select(Buyer.id).where(Buyer.buyer_ref == ref))
        auth_services.create_user(email, DEMO_PASSWORD, role, **owner)
    db.session.commit()
    organiser = auth_services.find_user(DEMO_ACCOUNTS[0][0])
    event = load_demo_event(organiser)
    db.session.commit()
    session = load_demo_market(event, organiser, auth_services.find_user(DEMO_ACCOUNTS[1][0]),
                               auth_services.find_user(DEMO_ACCOUNTS[2][0]))
    db.session.commit()
    counts = demo_request_counts(event)
    click.echo(_("Demo event: %(name)s with %(accepted)d accepted, %(pending)d pending and "
                 "%(declined)d declined meeting requests.", name=event.name_en,
                 accepted=counts.get("accepted", 0), pending=counts.get("pending", 0),
                 declined=counts.get("declined", 0)))
    click.echo(_("Demo market: %(count)d products on sale and the live session \"%(title)s\" "
                 "(/live/%(id)d).", count=len(LISTINGS), title=session.title_en, id=session.id))
    for email, role, _ref in DEMO_ACCOUNTS:
        click.echo(_("Demo log-in (%(role)s): %(email)s / %(password)s", role=role.label,
                     email=email, password=DEMO_PASSWORD))
