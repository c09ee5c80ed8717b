"""Expo work that runs in the job queue: scheduling an event's accepted requests."""

from dataclasses import asdict

from app.auth.models import User
from app.core.errors import DomainError, NotFound
from app.expo import scheduling
from app.expo.models import Event
from app.extensions import db
from app.i18n import _l
from app.jobs import services as job_services
from app.jobs.models import Job
from app.jobs.runner import Progress

# Phases shown on the job page: reading the event, optimising, saving. Progress commits, so
# every write comes after the last phase and is committed with the job's "done": a job killed
# midway leaves no meeting behind.
PHASES = ("instance", "solve", "save")


class SchedulingBusy(DomainError):
    message = _l("This event's schedule is already being computed (job %(job)d). Wait until "
                 "it finishes before starting it again.")


def start_scheduling(event: Event, by: User, *, time_limit: int) -> Job:
    """Record a scheduling job for the event; one at a time per event."""
    try:
        return job_services.create_job("schedule", by, subject=f"event:{event.id}",
                                       event_id=event.id, time_limit=time_limit)
    except job_services.JobBusy as busy:
        raise SchedulingBusy(job=busy.params["job"]) from None


def schedule(progress: Progress, *, event_id: int, time_limit: int) -> dict:
    """Place every accepted request of the event (see scheduling.run); the page phrases the
    counts returned here in the reader's language."""
    progress(PHASES[0], 0, len(PHASES))
    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFound()
    summary = scheduling.run(event, progress.started_by, time_limit=time_limit,
                             progress=progress)
    return {"event_id": event_id, **asdict(summary)}
