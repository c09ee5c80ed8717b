"""Starting jobs, and noticing the ones whose consumer died."""

import os
import socket
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.auth.models import User
from app.auth.permissions import ensure_organiser
from app.core.db import utcnow
from app.core.errors import DomainError
from app.extensions import db
from app.i18n import _l
from app.jobs.models import ACTIVE, Job
from app.jobs.runner import HANDLERS


class JobBusy(DomainError):
    message = _l("The same work is already queued or running (job %(job)d): wait until it "
                 "finishes.")


def _active(kind: str, subject: str) -> Job | None:
    return db.session.scalar(select(Job).where(Job.kind == kind, Job.subject == subject,
                                               Job.status.in_(ACTIVE)))


def create_job(kind: str, by: User, *, subject: str | None = None, **parameters) -> Job:
    """Record a job; enqueue it with `enqueue` once the record is committed.

    `parameters` (JSON-able) become the handler's keyword arguments. With a `subject`
    (e.g. "event:3") at most one job of this kind runs on it at a time: JobBusy otherwise,
    also when two requests race (a partial unique index decides).
    """
    ensure_organiser(by)
    if kind not in HANDLERS:
        raise ValueError(kind)
    if subject is not None:
        interrupt_stale()
        if (active := _active(kind, subject)) is not None:
            raise JobBusy(job=active.id)
    job = Job(kind=kind, subject=subject, parameters=parameters, created_by_id=by.id)
    try:
        with db.session.begin_nested():
            db.session.add(job)
    except IntegrityError:
        active = _active(kind, subject)
        raise JobBusy(job=active.id if active else 0) from None
    return job


def enqueue(job_id: int) -> None:
    """Hand a committed job to the queue (takes the id: the session may be closed by now).

    A queue that cannot be reached (Redis down) marks the job failed at once, so it does not
    stay "queued" for ever and block its subject; its page says to start it again.
    """
    from app.jobs.queue import run_job

    try:
        run_job(job_id)
    except Exception:
        current_app.logger.exception("job %d could not be queued", job_id)
        db.session.execute(update(Job).where(Job.id == job_id, Job.status == "queued").values(
            status="failed", finished_at=utcnow(), result={"reason": "unqueued"}))
        db.session.commit()



def _process_gone(worker: str | None) -> bool:
    """True when `worker` ("host:pid") was a process of this machine that no longer exists."""
    host, _, pid = (worker or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def interrupt_stale() -> int:
    """Mark "interrupted" the running jobs whose consumer is gone: on any machine, no heartbeat
    for JOBS_STALE_AFTER_SECONDS; on this machine, also as soon as its process has exited."""
    cutoff = utcnow() - timedelta(seconds=current_app.config["JOBS_STALE_AFTER_SECONDS"])
    running = db.session.execute(select(Job.id, Job.worker, Job.heartbeat_at)
                                 .where(Job.status == "running")).all()
    stale = [job_id for job_id, worker, beat in running
             if beat is None or beat < cutoff or _process_gone(worker)]
    if not stale:
        return 0
    return db.session.execute(update(Job).where(Job.id.in_(stale), Job.status == "running")
                              .values(status="interrupted", finished_at=utcnow())).rowcount
