"""Does the app come back after PostgreSQL restarts? A server takes requests from a loop while
the database goes away and returns; prints what failed, for how long, and what came after.

    .venv/bin/python bench/faults.py                     # kills the app's connections only
    .venv/bin/python bench/faults.py --restart-postgres  # restarts the PostgreSQL server (root)

The server is gunicorn (gunicorn.conf.py, 2 workers) when installed, else Flask's own, on a
database of its own (created and dropped here). Without --restart-postgres the fault is
pg_terminate_backend on that database's connections, which is what a restart does to the pool
without disturbing anyone else's databases. With it, `pg_ctlcluster 15 main restart` (or
`service postgresql restart`) runs once. Figures are compared with the baseline measured
before the fault in the same run.
"""

import argparse
import csv
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
ADMIN_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DATABASE = "expomatch_bench_faults"
PAGES = ["/suppliers", "/products?q=%EC%8C%80", "/healthz"]


@dataclass
class Sample:
    page: str
    started: float
    seconds: float
    ok: bool
    detail: str


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _admin():
    return create_engine(ADMIN_URL.replace("postgresql://", "postgresql+psycopg://", 1),
                         isolation_level="AUTOCOMMIT")


def create_database() -> str:
    admin = _admin()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    admin.dispose()
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{DATABASE}"


def drop_database() -> None:
    admin = _admin()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
    admin.dispose()


def prepare(url: str, env: dict, folder: Path) -> None:
    """Migrate and import a catalogue of 300 products, through the command line."""
    flask = [str(VENV_BIN / "flask"), "--app", "app"]
    subprocess.run([*flask, "db", "upgrade"], env=env, cwd=ROOT, check=True,
                   capture_output=True)
    path = folder / "catalogue.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["supplier_ref", "company_name_ko", "product_ref", "product_name_ko",
                         "description_ko", "hs_code"])
        for number in range(300):
            writer.writerow([f"F{number // 5:03d}", f"장애시험{number // 5}", f"P{number:04d}",
                             f"쌀국수 {number}", "장애 시험용 제품입니다.", "190219"])
    subprocess.run([*flask, "catalogue", "import", str(path)], env=env, cwd=ROOT, check=True,
                   capture_output=True)


def start_server(env: dict, port: int, folder: Path) -> tuple[subprocess.Popen, str]:
    log = (folder / "server.log").open("w")
    if (VENV_BIN / "gunicorn").exists():
        command = [str(VENV_BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "wsgi:app"]
        env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2",
               "GUNICORN_THREADS": "4", "GUNICORN_ACCESS_LOG": str(folder / "access.log")}
        kind = "gunicorn, 2 workers x 4 threads"
    else:
        command = [str(VENV_BIN / "flask"), "--app", "app", "run", "--port", str(port),
                   "--no-reload", "--no-debugger", "--with-threads"]
        kind = "Flask development server, threaded"
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=log,
                               start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return process, kind
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"the server did not start; see {folder / 'server.log'}")


class Loop(threading.Thread):
    """GET the pages in turn, one request every `interval` seconds, recording each."""

    def __init__(self, base: str, interval: float) -> None:
        super().__init__(daemon=True)
        self.base, self.interval = base, interval
        self.samples: list[Sample] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        number = 0
        while not self.stopping.is_set():
            page = PAGES[number % len(PAGES)]
            number += 1
            started = time.monotonic()
            try:
                with urllib.request.urlopen(self.base + page, timeout=10) as response:
                    ok, detail = response.status == 200, str(response.status)
            except urllib.error.HTTPError as error:
                ok, detail = False, str(error.code)
            except (urllib.error.URLError, OSError) as error:
                ok, detail = False, type(error).__name__
            self.samples.append(Sample(page, started, time.monotonic() - started, ok, detail))
            time.sleep(max(0.0, self.interval - (time.monotonic() - started)))


def restart_postgres() -> list[str]:
    for command in (["pg_ctlcluster", "15", "main", "restart"],
                    ["service", "postgresql", "restart"]):
        if shutil.which(command[0]):
            subprocess.run(command, check=True, capture_output=True)
            return command
    raise SystemExit("neither pg_ctlcluster nor service is available")


def terminate_connections() -> list[str]:
    admin = _admin()
    with admin.connect() as connection:
        ended = connection.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
            {"name": DATABASE}).all()
    admin.dispose()
    return [f"pg_terminate_backend x{len(ended)} ({DATABASE})"]


def _median_ms(samples: list[Sample]) -> float:
    return statistics.median(s.seconds for s in samples) * 1000 if samples else float("nan")


def _details(samples: list[Sample]) -> str:
    failed = [f"{s.page} {s.detail}" for s in samples if not s.ok]
    return f" ({', '.join(sorted(set(failed)))})" if failed else ""


def report(samples: list[Sample], fault_start: float, fault_end: float, command: list[str],
           kind: str) -> int:
    """Before the fault; the outage (from the fault until the first success once the command
    has returned, i.e. once PostgreSQL is back); after it, where nothing may fail."""
    before = [s for s in samples if s.started < fault_start]
    first_back = next((s for s in samples if s.started >= fault_end and s.ok), None)
    if first_back is None:
        print("no request succeeded after the fault")
        return 1
    outage = [s for s in samples if fault_start <= s.started < first_back.started]
    after = [s for s in samples if s.started >= first_back.started]
    failed = [s for s in samples if not s.ok and s.started >= fault_start]
    failed_before = sum(not s.ok for s in before)
    failed_after = [s for s in after if not s.ok]
    print(f"server: {kind}; pages in turn: {', '.join(PAGES)}")
    print(f"fault: {' '.join(command)} (took {fault_end - fault_start:.2f} s)")
    print(f"baseline before the fault: {len(before)} requests, {failed_before} failed"
          f"{_details(before)}, median {_median_ms(before):.1f} ms")
    print(f"during the outage: {len(outage)} requests, {sum(not s.ok for s in outage)} failed"
          f"{_details(outage)}")
    if failed:
        print(f"failures from +{failed[0].started - fault_start:.2f} s to "
              f"+{failed[-1].started - fault_start:.2f} s after the fault began")
    print(f"first success once the command returned: +{first_back.started - fault_start:.2f} s "
          f"after the fault began, +{first_back.started - fault_end:.2f} s after it returned")
    print(f"after recovery: {len(after)} requests, {len(failed_after)} failed"
          f"{_details(after)}, median {_median_ms(after):.1f} ms "
          f"({_median_ms(after) / _median_ms(before):.2f}x the baseline)")
    return 1 if failed_after or failed_before else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--restart-postgres", action="store_true",
                        help="restart the PostgreSQL server once (affects every database on it)")
    parser.add_argument("--before", type=float, default=5, help="seconds of baseline")
    parser.add_argument("--after", type=float, default=10,
                        help="seconds to keep going after the first success")
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between requests")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="expomatch-faults-"))
    url = create_database()
    env = {**os.environ, "DATABASE_URL": url, "EXPOMATCH_ENV": "development",
           "MATCHING_INDEX_DIR": str(folder / "index"), "PYTHONUNBUFFERED": "1"}
    env.pop("REDIS_URL", None)
    server = None
    try:
        prepare(url, env, folder)
        port = _free_port()
        server, kind = start_server(env, port, folder)
        loop = Loop(f"http://127.0.0.1:{port}", args.interval)
        loop.start()
        time.sleep(args.before)
        fault_start = time.monotonic()
        command = restart_postgres() if args.restart_postgres else terminate_connections()
        fault_end = time.monotonic()
        deadline = fault_end + 120
        while time.monotonic() < deadline:
            recovered = [s for s in loop.samples if s.started >= fault_start and s.ok]
            if recovered and time.monotonic() - recovered[0].started >= args.after:
                break
            time.sleep(0.1)
        loop.stopping.set()
        loop.join(15)
        return report(loop.samples, fault_start, fault_end, command, kind)
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(30)
        drop_database()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
