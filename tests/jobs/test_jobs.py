"""Background jobs: the reindex job with its progress page, in-process and in a real consumer."""

import os
import subprocess
import sys
import time

import flask_migrate
import pytest
from sqlalchemy import select

from app import create_app
from app.auth import services as auth_services
from app.auth.models import Role
from app.catalogue.models import Company, Product
from app.config import Config, TestConfig
from app.extensions import db as _db
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
        organiser = auth_services.create_user("ops@example.com", "password1", Role.ORGANISER)
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
        assert _db.session.get(Job, job_id).result == '{"product": 1, "buyer": 0}'
        _db.engine.dispose()
    assert Config  # the consumer builds its app from the environment (Config)
