"""The second model's vectors, computed in the job queue while the fast model serves.

multilingual-e5-small (MATCHING_SECOND_EMBEDDER) embeds about 20 texts/s on 2 cores: too slow
for an import of 10,000 products to wait for. The fast model serves first; when a query finds
records without a current second-model vector, it asks for one job (not while one is queued
or running) that embeds them in committed batches, with a progress bar on its job page, and
builds the second model's indexes. Its end moves the "second" data version, so every process
sees the second model complete and serves the fused ranking from then on.
"""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.jobs.models import ACTIVE, Job
from app.jobs.runner import Progress

KIND = "embed-second"
SUBJECT = "matching-second-model"


def request_embedding() -> None:
    """Queue one second-model job unless one is already queued or running."""
    from app.jobs.services import enqueue

    if db.session.scalar(select(Job.id).where(Job.kind == KIND, Job.subject == SUBJECT,
                                              Job.status.in_(ACTIVE))) is not None:
        return
    job = Job(kind=KIND, subject=SUBJECT, step="product")
    try:
        with db.session.begin_nested():
            db.session.add(job)
    except IntegrityError:
        return
    db.session.commit()
    enqueue(job.id)


def embed(progress: Progress, **_params) -> dict[str, int]:
    """Embed every product and buyer the second model has no current vector of, and build
    its indexes; then mark the second model's vectors as moved."""
    from app.matching.engine import engine
    from app.matching.versioning import bump

    matching = engine()
    if matching.second_embedder is None:
        return {}
    sizes = matching.rebuild(progress, second=True)
    bump(db.session, {"second"})
    db.session.commit()
    return sizes
