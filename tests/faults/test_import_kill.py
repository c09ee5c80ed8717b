"""An import killed midway (SIGKILL, as the OOM killer or a power cut would) leaves nothing of
its file, and running it again imports everything.

The import runs as `flask --app app catalogue import` in a real process against a database of
its own (an SQLite file, or PostgreSQL when TEST_DATABASE_URL is set) and is killed once it is
seen writing: SQLite has a rollback journal and uncommitted pages in the database file, or
PostgreSQL gave the transaction an id (it does so at the first row written).
"""

import csv
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from app.catalogue.transfer import COLUMNS
from tests.faults.databases import app_on_own_database, on_postgresql

ROWS = 20_000  # IMPORT_MAX_ROWS: the largest file the import takes
FLASK = str(Path(sys.executable).with_name("flask"))


def write_big_catalogue(path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for number in range(ROWS):
            company = number // 10
            writer.writerow([f"K{company:05d}", f"대량회사{company}", f"Bulk {company}", "강원",
                             f"P{number:06d}", f"제품 {number}", f"Product {number}",
                             "대량 가져오기 시험용 설명입니다.", "Bulk import test.", "190219",
                             "100 boxes", "1.25", "HACCP;Halal", "JP;US"])


def run_import(url: str, path: Path, tmp_path: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "EXPOMATCH_ENV": "development",
           "MATCHING_INDEX_DIR": str(tmp_path / "index"), "LANG": "C.UTF-8"}
    env.pop("REDIS_URL", None)
    return subprocess.Popen([FLASK, "--app", "app", "catalogue", "import", str(path)], env=env,
                            cwd=Path(__file__).resolve().parents[2],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _writing(url: str):
    """A function telling whether an import into this database is writing right now."""
    if url.startswith("sqlite"):
        # New pages go straight into the database file once SQLite's page cache is full (the
        # journal only keeps the header to undo them): uncommitted rows are on disk then.
        database = Path(url.removeprefix("sqlite:///"))
        journal, size = database.with_name(database.name + "-journal"), database.stat().st_size
        return lambda: journal.exists() and database.stat().st_size > size + 256 * 1024
    admin = create_engine(url.rsplit("/", 1)[0] + "/postgres")
    name = url.rsplit("/", 1)[1]

    def writing() -> bool:
        with admin.connect() as connection:
            return bool(connection.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = :name "
                "AND backend_xid IS NOT NULL"), {"name": name}))

    return writing


def kill_while_writing(process: subprocess.Popen, url: str) -> float:
    """SIGKILL once the import has been writing for a moment; seconds it had been running."""
    started = time.monotonic()
    writing = _writing(url)
    while not writing():
        assert process.poll() is None, "the import finished before it was seen writing: " \
                                       + process.stderr.read()
        assert time.monotonic() - started < 300
        time.sleep(0.01)
    time.sleep(0.2)
    assert process.poll() is None, "the import finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    return time.monotonic() - started


def row_counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {name: connection.scalar(text(f"SELECT count(*) FROM {name}"))
                    for name in ("company", "product", "certification", "product_certification",
                                 "export_market")}
    finally:
        engine.dispose()


@pytest.fixture
def own_database(tmp_path):
    with app_on_own_database(tmp_path, "kill") as app:
        yield app.config["SQLALCHEMY_DATABASE_URI"]


def test_killed_import_leaves_nothing_and_runs_again(own_database, tmp_path):
    url = own_database
    big = tmp_path / "big.csv"
    write_big_catalogue(big)
    process = run_import(url, big, tmp_path)
    ran_for = kill_while_writing(process, url)
    assert process.returncode == -signal.SIGKILL
    print(f"import killed after {ran_for:.1f} s while writing")

    if url.startswith("sqlite"):  # the hot journal is rolled back when the file is opened
        with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert row_counts(url) == dict.fromkeys(row_counts(url), 0)

    again = run_import(url, big, tmp_path)
    out, err = again.communicate(timeout=600)
    assert again.returncode == 0, err
    assert f"{ROWS} created, 0 updated, 0 unchanged." in out
    counts = row_counts(url)
    assert (counts["company"], counts["product"]) == (ROWS // 10, ROWS)
    assert counts["product_certification"] == 2 * ROWS


@pytest.mark.skipif(not on_postgresql(), reason="SQLite has no server to lose the client")
def test_the_server_rolls_back_the_dead_clients_transaction(own_database, tmp_path):
    """PostgreSQL notices the killed client and ends its transaction: no lock is left that
    would hold up the next import."""
    url = own_database
    big = tmp_path / "big.csv"
    write_big_catalogue(big)
    kill_while_writing(run_import(url, big, tmp_path), url)
    writing, deadline = _writing(url), time.monotonic() + 60
    while writing():
        assert time.monotonic() < deadline, "the dead client's transaction is still open"
        time.sleep(0.1)
    assert row_counts(url)["product"] == 0
