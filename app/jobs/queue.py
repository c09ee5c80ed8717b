"""The Huey queue: Redis when REDIS_URL is set, else a SQLite file next to the database.

Huey binds tasks to one queue object at import time, so unlike the Flask extensions this is a
module-level instance, configured from the environment as the consumer process needs it:

    .venv/bin/huey_consumer app.jobs.queue.huey --workers 1
"""

import os
from pathlib import Path

from huey import RedisHuey, SqliteHuey

from app.config import ROOT


def make_huey():
    if os.environ.get("REDIS_URL"):
        return RedisHuey("expomatch", url=os.environ["REDIS_URL"])
    path = Path(os.environ.get("EXPOMATCH_JOBS_DB", ROOT / "instance" / "jobs.db"))
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("expomatch", filename=str(path))


huey = make_huey()


@huey.on_startup()
def interrupt_stale_jobs() -> None:
    """A (re)starting consumer marks the jobs of dead consumers as interrupted."""
    from app.jobs.runner import recover

    recover()


@huey.task()
def run_job(job_id: int) -> None:
    """Run a recorded job inside an app of this worker process."""
    from app.jobs.runner import run

    run(job_id)
