"""Executing jobs: in a worker's own app, recording progress as it goes."""

import json
from collections.abc import Callable

from flask import Flask, current_app, has_app_context

from app.auth.models import utcnow
from app.extensions import db
from app.jobs.models import Job

Progress = Callable[[str, int, int], None]
# kind -> function(progress) returning a JSON-able result; domains register theirs.
HANDLERS: dict[str, Callable[[Progress], object]] = {}
_worker_app: Flask | None = None


def register(kind: str, handler: Callable[[Progress], object]) -> None:
    HANDLERS[kind] = handler


def _app() -> Flask:
    global _worker_app  # one app per worker process, built on its first job
    if has_app_context():
        return current_app._get_current_object()
    if _worker_app is None:
        from app import create_app

        _worker_app = create_app()
    return _worker_app


def run(job_id: int) -> None:
    with _app().app_context():
        job = db.session.get(Job, job_id)
        if job is None or job.finished:
            return
        job.status = "running"
        db.session.commit()

        def progress(step: str, done: int, total: int) -> None:
            job.step, job.done, job.total = step, done, total
            db.session.commit()

        try:
            result = HANDLERS[job.kind](progress)
        except Exception as error:  # recorded for the organiser, then re-raised for Huey
            db.session.rollback()
            job = db.session.get(Job, job_id)
            job.status, job.result, job.finished_at = "failed", repr(error), utcnow()
            db.session.commit()
            current_app.logger.exception("job %s (%s) failed", job_id, job.kind)
            raise
        job.status, job.finished_at = "done", utcnow()
        job.result = json.dumps(result)
        db.session.commit()
