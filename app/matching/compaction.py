"""Rebuilding an HNSW index in the job queue once many changes wait beside its graph.

HNSW cannot delete: after a catalogue change each web worker keeps serving the graph plus a
small exact index of what changed (see index.py). When that grows past a share of the graph,
the worker asks for one compaction job; the consumer builds the index anew and replaces the
file, and every worker loads it on its next query (engine.py, `_newer_file`).
"""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.jobs.models import ACTIVE, Job
from app.jobs.runner import Progress

KIND = "compact-index"
SUBJECT = "matching-index"


def request_compaction(side: str) -> None:
    """Queue one compaction unless one is already queued or running (two workers asking at
    once: the jobs' unique index on active subjects lets one insert win)."""
    from app.jobs.services import enqueue

    if db.session.scalar(select(Job.id).where(Job.kind == KIND, Job.subject == SUBJECT,
                                              Job.status.in_(ACTIVE))) is not None:
        return
    job = Job(kind=KIND, subject=SUBJECT, step=side)
    try:
        with db.session.begin_nested():
            db.session.add(job)
    except IntegrityError:
        return
    db.session.commit()
    enqueue(job.id)


def compact(progress: Progress, **_params) -> dict[str, int]:
    """Rebuild the indexes that hold changes beside their HNSW graph."""
    from app.matching.engine import KINDS, engine

    matching = engine()
    pending = tuple(kind for kind in KINDS if matching.space(kind).index.pending)
    return matching.rebuild(progress, kinds=pending) if pending else {}
