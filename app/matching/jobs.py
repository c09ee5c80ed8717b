"""Matching work that runs in the job queue."""

from app.jobs.runner import Progress
from app.matching.engine import engine


def reindex(progress: Progress) -> dict[str, int]:
    """Embed what changed (everything after a model change) and rebuild both indexes."""
    return engine().rebuild(progress)
