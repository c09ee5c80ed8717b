"""Scheduling in the job queue: the page, one job per event, phases, and a consumer killed
midway (SIGKILL) that leaves no meeting behind and can be run again."""

import os
import random
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from datetime import time as clock

import pytest
from sqlalchemy import func, select

from app.auth import services as auth_services
from app.auth.models import Role
from app.buyers.models import Buyer
from app.catalogue.models import Company
from app.core.db import utcnow
from app.expo import events as setup
from app.expo import jobs as expo_jobs
from app.expo import meeting_requests as requests
from app.expo import participation, scheduling
from app.expo.models import Meeting
from app.extensions import db as _db
from app.jobs import services as job_services
from app.jobs.models import Job
from tests.conftest import PASSWORD


def accept(expo, buyer, company):
    request = requests.request_meeting(expo["event"], expo[buyer], expo[company],
                                       expo["users"]["organiser"])
    requests.respond(request, expo["users"]["organiser"], accept=True)
    return request


def test_schedule_post_runs_a_job_whose_page_gives_the_outcome(client, login, expo, db):
    accept(expo, "kiwi", "noodle")
    accept(expo, "hanoi", "sauce")
    db.session.commit()
    organiser = expo["users"]["organiser"]
    login(organiser)
    url = f"/events/{expo['event'].id}/schedule"
    response = client.post(url, data={"time_limit": "20"})
    assert response.status_code == 302
    job = db.session.scalar(select(Job))
    assert response.headers["Location"] == f"/jobs/{job.id}"
    assert (job.kind, job.status, job.created_by_id) == ("schedule", "done", organiser.id)
    assert job.parameters == {"event_id": expo["event"].id, "time_limit": 20}
    assert job.subject == f"event:{expo['event'].id}"
    assert (job.outcome["scheduled"], job.outcome["unscheduled"]) == (2, 0)
    page = client.get(f"/jobs/{job.id}", headers={"Accept-Language": "ko"}).text
    assert "상담 2건을 배정했습니다" in page  # the summary, phrased in the reader's language
    assert f'href="{url}"' in page
    assert 'value="100"' in page
    english = client.get(f"/jobs/{job.id}", headers={"Accept-Language": "en"}).text
    assert "2 meetings scheduled (0 confirmed kept)" in english
    assert db.session.scalar(select(func.count(Meeting.id))) == 2


def test_a_second_scheduling_job_for_the_event_is_refused(client, login, expo, db):
    organiser = expo["users"]["organiser"]
    waiting = expo_jobs.start_scheduling(expo["event"], organiser, time_limit=5)
    db.session.commit()  # queued, not enqueued: as while a worker is busy elsewhere
    with pytest.raises(expo_jobs.SchedulingBusy):
        expo_jobs.start_scheduling(expo["event"], organiser, time_limit=5)
    login(organiser)
    response = client.post(f"/events/{expo['event'].id}/schedule", data={"time_limit": "5"},
                           headers={"Accept-Language": "ko"})
    assert response.headers["Location"] == f"/jobs/{waiting.id}"
    page = client.get(response.headers["Location"], headers={"Accept-Language": "ko"}).text
    assert "이 행사의 일정은 이미 계산 중입니다" in page
    assert db.session.scalar(select(func.count(Job.id))) == 1
    # Another event schedules freely.
    other = setup.create_event(organiser, name_ko="다른 행사", name_en="Other",
                               starts_on=date(2025, 11, 1), ends_on=date(2025, 11, 1))
    assert expo_jobs.start_scheduling(other, organiser, time_limit=5).id != waiting.id


def test_a_stale_running_job_does_not_block_a_new_one(expo, db):
    organiser = expo["users"]["organiser"]
    dead = expo_jobs.start_scheduling(expo["event"], organiser, time_limit=5)
    dead.status, dead.worker = "running", "elsewhere:1"
    dead.heartbeat_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    fresh = expo_jobs.start_scheduling(expo["event"], organiser, time_limit=5)
    assert fresh.id != dead.id
    assert db.session.get(Job, dead.id).status == "interrupted"


def test_scheduling_reports_its_phases_before_writing(expo, db):
    accept(expo, "kiwi", "noodle")
    db.session.commit()
    seen = []

    class Recorder:
        started_by = expo["users"]["organiser"]

        def __call__(self, step, done, total):
            meetings = db.session.scalar(select(func.count(Meeting.id)))
            seen.append((step, done, total, meetings))

    result = expo_jobs.schedule(Recorder(), event_id=expo["event"].id, time_limit=10)
    assert seen == [("instance", 0, 3, 0), ("solve", 1, 3, 0), ("save", 2, 3, 0)]
    assert result["scheduled"] == 1


def test_only_organisers_start_scheduling_jobs(expo, db):
    from app.core.errors import Forbidden

    with pytest.raises(Forbidden):
        expo_jobs.start_scheduling(expo["event"], expo["users"]["kiwi"], time_limit=5)


# -- a real consumer, killed midway -------------------------------------------------------

def _big_event(organiser, companies: int = 40, buyers: int = 40, per_buyer: int = 16,
               tables: int = 60):
    """640 accepted requests between 80 busy participants in 16 slots: the optimiser works
    for several seconds (about 13 s here) before it stops."""
    event = setup.create_event(organiser, name_ko="대형 상담회", name_en="Big fair",
                               starts_on=date(2025, 10, 21), ends_on=date(2025, 10, 21),
                               max_requests=50)
    setup.add_session(event, organiser, date(2025, 10, 21), clock(9), clock(17))
    setup.add_tables(event, organiser, tables)
    setup.add_interpreter(event, organiser, "김통역", ["ko", "en"])
    sellers = [Company(supplier_ref=f"BIG-S{i}", name_ko=f"기업{i}") for i in range(companies)]
    visitors = [Buyer(buyer_ref=f"BIG-B{i}", company_name=f"Buyer {i}", country="NZ",
                      language="ko", interests="food")
                for i in range(buyers)]
    _db.session.add_all([*sellers, *visitors])
    _db.session.flush()
    for company in sellers:
        participation.register(event, organiser, company=company)
    for buyer in visitors:
        participation.register(event, organiser, buyer=buyer)
    rng = random.Random(7)
    pairs = [(b, c) for b in range(buyers) for c in rng.sample(range(companies), per_buyer)]
    for b, c in pairs:
        request = requests.request_meeting(event, visitors[b], sellers[c], organiser)
        requests.respond(request, organiser, accept=True)
    return event


def _consumer(env: dict) -> subprocess.Popen:
    return subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "huey_consumer"),
                             "app.jobs.queue.huey", "--workers", "1"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _wait_for(app, job_id: int, done, seconds: float = 120) -> Job:
    deadline = time.monotonic() + seconds
    while True:
        with app.app_context():
            job = _db.session.get(Job, job_id)
            _db.session.expunge(job)
            _db.session.remove()
        if done(job) or time.monotonic() > deadline:
            return job
        time.sleep(0.2)


def _meetings(app, event_id: int) -> set[tuple]:
    with app.app_context():
        rows = _db.session.execute(select(
            Meeting.id, Meeting.request_id, Meeting.slot_id, Meeting.table_id,
            Meeting.interpreter_id).where(Meeting.event_id == event_id)).all()
        _db.session.remove()
        return set(rows)


def test_a_killed_scheduling_job_leaves_nothing_and_can_run_again(separate_database, tmp_path,
                                                                  monkeypatch):
    """SIGKILL the consumer while it optimises: no meeting row written or deleted, the job
    shows as interrupted once the consumer restarts, and a re-run succeeds."""
    from huey.storage import SqliteStorage

    from app.jobs import queue

    app = separate_database
    with app.app_context():
        organiser = auth_services.create_user("ops@example.com", PASSWORD, Role.ORGANISER)
        event = _big_event(organiser)
        scheduling.run(event, organiser, time_limit=2)  # an earlier run: open meetings
        _db.session.commit()
        event_id, organiser_id = event.id, organiser.id
        job_id = expo_jobs.start_scheduling(event, organiser, time_limit=120).id
        _db.session.commit()
        _db.session.remove()
    before = _meetings(app, event_id)
    assert before
    jobs_db = str(tmp_path / "jobs.db")
    monkeypatch.setattr(queue.huey, "immediate", False)
    monkeypatch.setattr(queue.huey, "storage", SqliteStorage("expomatch", filename=jobs_db))
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "EXPOMATCH_JOBS_DB": jobs_db, "MATCHING_INDEX_DIR": str(tmp_path / "index"),
           "JOBS_HEARTBEAT_SECONDS": "1", "JOBS_STALE_AFTER_SECONDS": "30"}
    with app.app_context():
        job_services.enqueue(job_id)

    consumer = _consumer(env)
    try:
        job = _wait_for(app, job_id, lambda j: j.step == "solve" or j.finished)
        assert (job.status, job.step) == ("running", "solve"), job.result
        time.sleep(2)  # well inside the optimiser's 120 seconds
        consumer.send_signal(signal.SIGKILL)
        consumer.wait(timeout=30)
    finally:
        if consumer.poll() is None:
            consumer.kill()
        consumer.communicate(timeout=30)
    assert _meetings(app, event_id) == before
    assert _wait_for(app, job_id, lambda j: True).status == "running"  # nobody noticed yet

    consumer = _consumer(env)  # the restarted consumer marks the dead one's job
    try:
        job = _wait_for(app, job_id, lambda j: j.status != "running", seconds=60)
        assert job.status == "interrupted"
        client = app.test_client()
        with app.app_context():
            email = _db.session.get(type(organiser), organiser_id).email
        client.post("/login", data={"email": email, "password": PASSWORD})
        page = client.get(f"/jobs/{job_id}", headers={"Accept-Language": "en"}).text
        assert "Interrupted: the worker running this job stopped before it finished." in page
        assert _meetings(app, event_id) == before

        with app.app_context():  # the same event can be scheduled again
            again = expo_jobs.start_scheduling(_db.session.get(type(event), event_id),
                                               _db.session.get(type(organiser), organiser_id),
                                               time_limit=3).id
            _db.session.commit()
            job_services.enqueue(again)
            _db.session.remove()
        job = _wait_for(app, again, lambda j: j.finished)
    finally:
        consumer.terminate()
        output = consumer.communicate(timeout=30)[0].decode(errors="replace")
    assert job.status == "done", output
    assert job.outcome["scheduled"] > 0
    after = _meetings(app, event_id)
    assert len(after) == job.outcome["scheduled"]
    assert len({(slot, table) for _, _, slot, table, _ in after}) == len(after)
