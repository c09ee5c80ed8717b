"""Starting jobs and reading their progress."""

from app.auth.models import User
from app.auth.permissions import ensure_organiser
from app.extensions import db
from app.jobs.models import Job
from app.jobs.runner import HANDLERS


def create_job(kind: str, by: User) -> Job:
    """Record a job; enqueue it with `enqueue` once the record is committed."""
    ensure_organiser(by)
    if kind not in HANDLERS:
        raise ValueError(kind)
    job = Job(kind=kind, created_by_id=by.id)
    db.session.add(job)
    db.session.flush()
    return job


def enqueue(job_id: int) -> None:
    """Hand a committed job to the queue (takes the id: the session may be closed by now)."""
    from app.jobs.queue import run_job

    run_job(job_id)
