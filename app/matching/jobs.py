"""Matching work that runs in the job queue."""

from app.jobs.runner import Progress
from app.matching import services
from app.matching.engine import engine


def reindex(progress: Progress) -> dict[str, int]:
    """Embed what changed (everything after a model change) and rebuild both indexes."""
    return engine().rebuild(progress)


def prematch(progress: Progress, *, top: int) -> dict[str, int]:
    """Rank suppliers for every buyer into a draft run, written at the end (all or nothing)."""
    progress("prematch", 0, 1)
    run = services.create_run(progress.started_by, top=top)
    return {"run_id": run.id, "buyers": len({r.buyer_id for r in run.results}),
            "pairs": len(run.results)}
