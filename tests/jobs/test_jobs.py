"""Background jobs: progress pages, parameters, all-or-nothing results, stale jobs, and a real
consumer process."""

import os
import re
import socket
import subprocess
import sys
import time
from datetime import timedelta

import flask_migrate
import pytest
from sqlalchemy import select

from app import create_app
from app.auth import services as auth_services
from app.auth.models import Role
from app.catalogue.models import Company, Product
from app.config import Config, TestConfig
from app.core.db import utcnow
from app.extensions import db as _db
from app.jobs import runner
from app.jobs import services as job_services
from app.jobs.models import Job

pytestmark = pytest.mark.model


def test_reindex_job_reports_progress_on_its_page(client, login, matching, db, make_user,
                                                  make_company, make_product, make_buyer):
    company = make_company()
    for name in ("현미 쌀국수", "고추장"):
        make_product(company, name_ko=name)
    make_buyer()
    login(make_user(Role.ORGANISER))
    response = client.post("/prematching/reindex")
    assert response.status_code == 302
    job = db.session.scalar(select(Job))
    assert (job.kind, job.status, job.step, job.done, job.total) == ("reindex", "done", "buyer",
                                                                      1, 1)
    page = client.get(response.headers["Location"], headers={"Accept-Language": "ko"})
    assert 'value="100"' in page.text
    assert "http-equiv=\"refresh\"" not in page.text
    assert len(matching.space("product").index) == 2


def test_a_real_consumer_runs_queued_jobs(tmp_path, monkeypatch):
    """SqliteHuey storage and the huey_consumer process, as `make run` uses them."""
    from huey.storage import SqliteStorage

    from app.jobs import queue

    database = f"sqlite:///{tmp_path / 'app.db'}"
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database,
                     MATCHING_INDEX_DIR=str(tmp_path / "index"))
    with app.app_context():
        flask_migrate.upgrade()
        company = Company(supplier_ref="S1", name_ko="강원쌀면")
        _db.session.add_all([company, Product(company=company, product_ref="P1",
                                              name_ko="쌀국수", description_ko="현미 쌀국수")])
        organiser = auth_services.create_user("ops@example.com", "s3cret-test-pw", Role.ORGANISER)
        job = job_services.create_job("reindex", organiser)
        _db.session.commit()
        job_id = job.id
        monkeypatch.setattr(queue.huey, "immediate", False)
        monkeypatch.setattr(queue.huey, "storage", SqliteStorage(
            "expomatch", filename=str(tmp_path / "jobs.db")))
        job_services.enqueue(job_id)
    env = {**os.environ, "DATABASE_URL": database, "EXPOMATCH_JOBS_DB": str(tmp_path / "jobs.db"),
           "MATCHING_INDEX_DIR": str(tmp_path / "index")}
    consumer = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "huey_consumer"),
                                 "app.jobs.queue.huey", "--workers", "1"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        status = "queued"
        while time.monotonic() < deadline and status not in ("done", "failed"):
            time.sleep(0.5)
            with app.app_context():
                status = _db.session.get(Job, job_id).status
                _db.session.remove()
    finally:
        consumer.terminate()
        output = consumer.communicate(timeout=30)[0].decode(errors="replace")
    assert status == "done", output
    with app.app_context():
        assert _db.session.get(Job, job_id).result == {"product": 1, "buyer": 0}
        _db.engine.dispose()
    assert Config  # the consumer builds its app from the environment (Config)


def test_prematch_job_records_its_parameters_and_links_to_the_run(client, login, matching, db,
                                                                  make_user, make_company,
                                                                  make_product, make_buyer):
    make_product(make_company(), name_ko="현미 쌀국수")
    make_buyer()
    organiser = make_user(Role.ORGANISER)
    login(organiser)
    response = client.post("/prematching", data={"top": "3"})
    job = db.session.scalar(select(Job))
    assert response.headers["Location"] == f"/jobs/{job.id}"
    assert (job.kind, job.status, job.parameters, job.created_by_id) == (
        "prematch", "done", {"top": 3}, organiser.id)
    assert (job.outcome["buyers"], job.outcome["pairs"]) == (1, 1)
    page = client.get(f"/jobs/{job.id}", headers={"Accept-Language": "ko"}).text
    assert "사전 매칭을 완료했습니다" in page
    assert re.search(rf'href="/prematching/{job.outcome["run_id"]}"', page)


def _running(db, organiser, *, worker: str, heartbeat_age: float) -> Job:
    job = Job(kind="reindex", status="running", worker=worker, created_by_id=organiser.id,
              heartbeat_at=utcnow() - timedelta(seconds=heartbeat_age))
    db.session.add(job)
    db.session.commit()
    return job


def test_stale_running_jobs_are_marked_interrupted(db, make_user, app):
    organiser = make_user(Role.ORGANISER)
    gone = subprocess.Popen(["true"])
    gone.wait()
    here = socket.gethostname()
    alive_elsewhere = _running(db, organiser, worker="web-2:77", heartbeat_age=5)
    silent_elsewhere = _running(db, organiser, worker="web-2:78", heartbeat_age=600)
    dead_here = _running(db, organiser, worker=f"{here}:{gone.pid}", heartbeat_age=1)
    alive_here = _running(db, organiser, worker=f"{here}:{os.getpid()}", heartbeat_age=1)
    assert job_services.interrupt_stale() == 2
    db.session.commit()
    assert [db.session.get(Job, j.id).status for j in (
        alive_elsewhere, silent_elsewhere, dead_here, alive_here)] == [
        "running", "interrupted", "interrupted", "running"]
    assert app.config["JOBS_STALE_AFTER_SECONDS"] < 600


def test_job_page_shows_a_dead_job_as_interrupted(client, login, db, make_user):
    organiser = make_user(Role.ORGANISER)
    job = _running(db, organiser, worker="web-2:78", heartbeat_age=600)
    login(organiser)
    page = client.get(f"/jobs/{job.id}", headers={"Accept-Language": "ko"}).text
    assert "중단됨" in page
    assert "http-equiv=\"refresh\"" not in page
    assert db.session.get(Job, job.id).status == "interrupted"


def test_a_failed_job_keeps_none_of_its_work(db, make_user, monkeypatch):
    organiser = make_user(Role.ORGANISER)

    def half_done(progress, *, name):
        progress("writing", 0, 1)
        db.session.add(Company(supplier_ref="HALF", name_ko=name))
        db.session.flush()
        raise RuntimeError("disk full")

    monkeypatch.setitem(runner.HANDLERS, "half", half_done)
    job = job_services.create_job("half", organiser, name="반쪽")
    db.session.commit()
    with pytest.raises(RuntimeError):  # re-raised for Huey, which logs it
        runner.run(job.id)
    db.session.expire_all()  # the test's commits are savepoints, which expire nothing
    job = db.session.get(Job, job.id)
    assert (job.status, job.outcome) == ("failed", {"error": "RuntimeError('disk full')"})
    assert db.session.scalar(select(Company).where(Company.supplier_ref == "HALF")) is None


def test_a_job_interrupted_meanwhile_discards_its_result(db, make_user, monkeypatch):
    """The heartbeat was missed (e.g. a long pause) and the job was marked interrupted:
    its late result is not kept, as the page has said nothing was saved."""
    from sqlalchemy import update

    organiser = make_user(Role.ORGANISER)

    def slow(progress):
        progress("writing", 0, 1)
        db.session.execute(update(Job).values(status="interrupted"))
        db.session.commit()  # what another process's interrupt_stale does
        db.session.add(Company(supplier_ref="LATE", name_ko="늦음"))
        return {"written": 1}

    monkeypatch.setitem(runner.HANDLERS, "slow", slow)
    job = job_services.create_job("slow", organiser)
    db.session.commit()
    runner.run(job.id)
    db.session.expire_all()
    assert db.session.get(Job, job.id).status == "interrupted"
    assert db.session.scalar(select(Company).where(Company.supplier_ref == "LATE")) is None


def test_a_job_runs_once_even_if_delivered_twice(db, make_user, monkeypatch):
    organiser = make_user(Role.ORGANISER)
    calls = []
    monkeypatch.setitem(runner.HANDLERS, "count", lambda progress: calls.append(1) or {})
    job = job_services.create_job("count", organiser)
    db.session.commit()
    runner.run(job.id)
    runner.run(job.id)
    assert calls == [1]


def test_a_job_the_queue_cannot_take_is_marked_failed_not_left_queued(client, login, db,
                                                                      make_user, monkeypatch):
    """Redis down when the organiser starts a job: the job fails at once with a page saying to
    start it again, instead of staying "queued" and blocking its subject."""
    from huey.storage import RedisStorage

    from app.jobs import queue

    monkeypatch.setattr(queue.huey, "immediate", False)
    monkeypatch.setattr(queue.huey, "storage", RedisStorage(
        "expomatch", url="redis://127.0.0.1:1/0"))  # nothing listens on port 1
    login(make_user(Role.ORGANISER))
    response = client.post("/prematching/reindex")
    job = db.session.scalar(select(Job))
    assert response.headers["Location"] == f"/jobs/{job.id}"
    db.session.refresh(job)
    assert (job.status, job.outcome) == ("failed", {"reason": "unqueued"})
    assert job.finished_at is not None
    assert job_services._active("reindex", job.subject or "") is None
    english = client.get(f"/jobs/{job.id}", headers={"Accept-Language": "en"}).text
    assert "the job queue could not be reached" in english
    assert "refresh" not in english.split("</head>")[0]
    korean = client.get(f"/jobs/{job.id}", headers={"Accept-Language": "ko"}).text
    assert "작업 대기열에 연결할 수 없어" in korean
