"""`flask --app app users ...`: account administration."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.auth import services
from app.auth.models import Role
from app.core.errors import DomainError
from app.extensions import db
from app.i18n import _

cli = AppGroup("users", help="Manage user accounts.")


def _owned_record(role: Role, ref: str | None) -> dict[str, int]:
    """The company or buyer profile an imported supplier or buyer account belongs to."""
    # Imported here: auth sits below catalogue and buyers, only this command reaches up.
    from app.buyers.models import Buyer
    from app.catalogue.models import Company

    if role == Role.ORGANISER:
        return {}
    if not ref:
        raise click.UsageError(_("A %(role)s account needs --ref: the supplier_ref or buyer_ref "
                                 "of an imported record.", role=role.label))
    model, column, key = ((Company, Company.supplier_ref, "company_id") if role == Role.SUPPLIER
                          else (Buyer, Buyer.buyer_ref, "buyer_id"))
    record_id = db.session.scalar(select(model.id).where(column == ref))
    if record_id is None:
        raise click.ClickException(_("No record with reference %(ref)s. Import it first.",
                                     ref=ref))
    return {key: record_id}


@cli.command("create")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--ref", help="supplier_ref or buyer_ref the account belongs to.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.argument("email")
def create_command(role: str, ref: str | None, password: str, email: str) -> None:
    """Create an account, e.g. `users create --role organiser ops@example.org`."""
    try:
        user = services.create_user(email, password, Role(role),
                                    **_owned_record(Role(role), ref))
    except DomainError as error:
        raise click.ClickException(error.text()) from error
    db.session.commit()
    click.echo(_("Created %(role)s account %(email)s.", role=Role(role).label,
                 email=user.email))


@cli.command("set-password")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.argument("email")
def set_password_command(password: str, email: str) -> None:
    """Reset an account's password; every session of that account ends."""
    user = services.find_user(email)
    if user is None:
        raise click.ClickException(_("No account has the e-mail address %(email)s.",
                                     email=email))
    try:
        services.reset_password(user, password)
    except DomainError as error:
        raise click.ClickException(error.text()) from error
    db.session.commit()
    click.echo(_("The password of %(email)s has been changed; its sessions have ended.",
                 email=user.email))
