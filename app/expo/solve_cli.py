"""`flask --app app expo solve INSTANCE.json --output SCHEDULE.json`: the scheduler on a file."""

import json
from pathlib import Path

import click

from app.expo.scheduler.solver import (
    InstanceError,
    load_instance,
    schedule_to_dict,
    solve,
    validate,
)
from app.i18n import _


@click.command("solve")
@click.argument("instance", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the schedule (FORMATS.md JSON).")
@click.option("--time-limit", type=float, default=60, show_default=True,
              help="Seconds the optimiser may use.")
def solve_command(instance: Path, output: Path, time_limit: float) -> None:
    """Schedule the meetings of a FORMATS.md instance and write the schedule."""
    try:
        problem = load_instance(json.loads(instance.read_text(encoding="utf-8")))
        schedule = solve(problem, time_limit=time_limit)
    except json.JSONDecodeError as error:
        raise click.ClickException(_("%(path)s is not JSON: %(error)s", path=str(instance),
                                     error=str(error))) from error
    except InstanceError as error:
        click.echo(_("The instance cannot be scheduled:"), err=True)
        for problem_text in error.problems:
            click.echo(f"  {problem_text}", err=True)
        raise SystemExit(1) from error
    broken = validate(problem, schedule)
    if broken:
        click.echo(_("The schedule breaks %(count)d rules; nothing was written:",
                     count=len(broken)), err=True)
        for rule in broken:
            click.echo(f"  {rule}", err=True)
        raise SystemExit(1)
    output.write_text(json.dumps(schedule_to_dict(schedule), ensure_ascii=False, indent=1),
                      encoding="utf-8")
    click.echo(_("%(scheduled)d meetings scheduled, %(unscheduled)d unscheduled, %(without)d of "
                 "%(participants)d participants without a meeting, objective %(objective).2f, "
                 "%(seconds).1f s.", scheduled=len(schedule.meetings),
                 unscheduled=len(schedule.unscheduled),
                 without=schedule.participants_without_meeting,
                 participants=schedule.participants_with_requests,
                 objective=schedule.objective, seconds=schedule.seconds))
