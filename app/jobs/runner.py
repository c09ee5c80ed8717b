"""Executing jobs: in a worker's own app, recording progress and a heartbeat as it goes.

A handler is registered per kind and called as `handler(progress, **job.parameters)`; it
returns JSON-able data that pages turn into a message in the reader's language.

All or nothing: the handler's writes are committed together with the status "done". Each
`progress(...)` call commits the session (so the page sees it), so a handler that must not
leave half its work behind reports progress only before its first write. A consumer killed
midway therefore leaves nothing of the job's work; its job is marked "interrupted" by
`services.interrupt_stale` (a missed heartbeat, or a dead process on this machine).
"""

import os
import socket
import threading
from collections.abc import Callable

from flask import Flask, current_app, has_app_context
from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError

from app.auth.models import User
from app.core.db import utcnow
from app.core.errors import Forbidden
from app.extensions import db
from app.jobs.models import Job

# kind -> function(progress, **parameters) returning a JSON-able result; domains register theirs.
HANDLERS: dict[str, Callable[..., object]] = {}
_worker_app: Flask | None = None
_worker_app_lock = threading.Lock()


class Progress:
    """`progress(step, done, total)` records how far the job has come (and commits)."""

    def __init__(self, job: Job) -> None:
        self.job = job

    @property
    def started_by(self) -> User:
        """Whoever started the job: handlers check permissions against this user."""
        if self.job.created_by is None:  # the account was deleted meanwhile
            raise Forbidden()
        return self.job.created_by

    def __call__(self, step: str, done: int, total: int) -> None:
        job = self.job
        job.step, job.done, job.total, job.heartbeat_at = step, done, total, utcnow()
        db.session.commit()


def register(kind: str, handler: Callable[..., object]) -> None:
    HANDLERS[kind] = handler


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _app() -> Flask:
    global _worker_app  # one app per worker process, built on its first job
    if has_app_context():
        return current_app._get_current_object()
    with _worker_app_lock:
        if _worker_app is None:
            from app import create_app

            _worker_app = create_app()
    return _worker_app


class _Heartbeat(threading.Thread):
    """Touches the job's heartbeat on a connection of its own while the handler works."""

    def __init__(self, app: Flask, job_id: int) -> None:
        super().__init__(name=f"job-{job_id}-heartbeat", daemon=True)
        self.app, self.job_id = app, job_id
        self.every = app.config["JOBS_HEARTBEAT_SECONDS"]
        self.stopped = threading.Event()

    def run(self) -> None:
        with self.app.app_context():
            while not self.stopped.wait(self.every):
                try:
                    with db.engine.begin() as connection:
                        connection.execute(update(Job).where(
                            Job.id == self.job_id, Job.status == "running").values(
                            heartbeat_at=utcnow()))
                except SQLAlchemyError:
                    self.app.logger.warning("job %s: heartbeat not recorded", self.job_id,
                                            exc_info=True)

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=5)


def _claim(job_id: int) -> Job | None:
    """Queued -> running, once: a message delivered twice does not run the job twice."""
    now = utcnow()
    claimed = db.session.execute(update(Job).where(Job.id == job_id, Job.status == "queued")
                                 .values(status="running", started_at=now, heartbeat_at=now,
                                         worker=worker_name())).rowcount
    db.session.commit()
    return db.session.get(Job, job_id, populate_existing=True) if claimed else None


def _finish(job_id: int, **values) -> bool:
    """Record the end unless the job was marked interrupted meanwhile (then nothing is kept)."""
    return bool(db.session.execute(update(Job).where(Job.id == job_id, Job.status == "running")
                                   .values(finished_at=utcnow(), **values)).rowcount)


def run(job_id: int) -> None:
    in_worker = not has_app_context()  # immediate mode (tests) runs inside the request
    app = _app()
    with app.app_context():
        job = _claim(job_id)
        if job is None:
            return
        heartbeat = _Heartbeat(app, job_id) if in_worker else None
        if heartbeat:
            heartbeat.start()
        try:
            result = HANDLERS[job.kind](Progress(job), **(job.parameters or {}))
        except Exception as error:  # recorded for the organiser, then re-raised for Huey
            db.session.rollback()
            _finish(job_id, status="failed", result={"error": repr(error)})
            db.session.commit()
            current_app.logger.exception("job %s (%s) failed", job_id, job.kind)
            raise
        finally:
            if heartbeat:
                heartbeat.stop()
        if _finish(job_id, status="done", result=result):
            db.session.commit()
        else:
            db.session.rollback()
            current_app.logger.warning("job %s was marked interrupted: its work is discarded",
                                       job_id)


def recover() -> None:
    """On consumer start: mark the jobs of consumers that died as interrupted."""
    from app.jobs.services import interrupt_stale

    with _app().app_context():
        count = interrupt_stale()
        db.session.commit()
        if count:
            current_app.logger.warning("%d stale job(s) marked interrupted", count)
