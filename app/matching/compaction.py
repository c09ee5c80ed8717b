"""Rebuilding an HNSW index in the job queue once many changes wait beside its graph.

HNSW cannot delete: after a catalogue change each web worker keeps serving the graph plus a
small exact index of what changed (see index.py). When that grows past a share of the graph,
the worker asks for one compaction job; the consumer builds the index anew and replaces the
file, and every worker loads it on its next query (engine.py, `_newer_file`).
"""

from sqlalchemy import select

from app.extensions import db
from app.jobs.models import Job
from app.jobs.runner import Progress

KIND = "compact-index"


def request_compaction(side: str) -> None:
    """Queue one compaction unless one is already queued or running."""
    from app.jobs.services import enqueue

    waiting = db.session.scalar(select(Job.id).where(Job.kind == KIND,
                                                     Job.status.in_(("queued", "running"))))
    if waiting is not None:
        return
    job = Job(kind=KIND, step=side)
    db.session.add(job)
    db.session.commit()
    enqueue(job.id)


def compact(progress: Progress, **_params) -> dict[str, int]:
    """Rebuild the indexes that hold changes beside their HNSW graph."""
    from app.matching.engine import KINDS, engine

    matching = engine()
    pending = tuple(kind for kind in KINDS if matching.space(kind).index.pending)
    return matching.rebuild(progress, kinds=pending) if pending else {}
