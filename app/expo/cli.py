"""`flask --app app expo ...`: the scheduler on an instance file, and periodic upkeep."""

from datetime import date

import click
from flask.cli import AppGroup

from app.expo import meeting_requests
from app.expo.results import services as results
from app.expo.solve_cli import solve_command
from app.extensions import db
from app.i18n import _

cli = AppGroup("expo", help="Expo operations.")


cli.add_command(solve_command)  # flask --app app expo solve INSTANCE.json --output FILE


@cli.command("tick")
def tick_command() -> None:
    """Expire overdue requests, remind answerers, send due deal reminders (run from cron)."""
    expired, reminded = meeting_requests.expire_and_remind()
    due = results.due_reminders(date.today())
    db.session.commit()
    click.echo(_("%(expired)d requests expired, %(reminded)d reminders sent, %(deals)d deal "
                 "reminders sent.", expired=expired, reminded=reminded, deals=len(due)))
