"""Load benchmark: 200 simulated people against gunicorn + PostgreSQL + Redis on this machine.

    .venv/bin/pip install -e '.[load]'
    .venv/bin/python bench/load.py                  # 200 users for 5 minutes
    .venv/bin/python bench/load.py --duration 30    # a quick check

It creates (or upgrades) the PostgreSQL database `load`, loads the demo expo, adds accounts so
that every simulated user logs in as someone of their own (buyers, suppliers, market visitors,
organisers; made with the service functions), lists market products, starts gunicorn
(gunicorn.conf.py, 4 workers x 4 threads by default) and a Huey consumer on Redis, measures
both match pages (a buyer's suppliers, a supplier's buyers) with a single user (the
baseline), then runs locust headless: buyers browse their matches and a matched supplier and
request meetings, suppliers look at their buyers, edit a product (--edits) and accept
requests into a slot, visitors browse the market and reserve for pickup, organisers open the
results dashboard; everyone reads each page 5-15 s (--think) and logs in through the real form
(CSRF token from the page); a request taking over 30 s counts as an error. Users arrive at
--spawn-rate (5/s: each log-in hashes a password with scrypt); the figures cover --duration
seconds once all of them are in, and errors are counted over the whole run. It prints per
page group: requests, req/s, p50/p95/p99 and errors, each match page's p95 under load as a
ratio to one user's alone, and the checks: no errors, match pages p95 < 200 ms, no double
booking (one buyer, supplier, table or interpreter twice in a slot), no negative stock and no
more reserved than stocked.

The simulated people are in bench/load_users.py (the locustfile).
The app runs with EXPOMATCH_ENV=development (with a real SECRET_KEY): production cookies are
HTTPS-only and this benchmark speaks plain HTTP on loopback.
"""

import argparse
import csv
import html.parser
import json
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "load-test-password"
GROUPS = ("log in", "match list", "match detail", "meeting request", "buyers for supplier",
          "product edit", "request answer", "market", "market listing", "order", "dashboard")
MATCH_GROUPS = ("match list", "match detail", "buyers for supplier")


class Form(html.parser.HTMLParser):
    """The fields of the forms on a page: [(action, {name: value})], first option selected."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._field: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append((a.get("action") or "", {}))
        elif not self.forms:
            return
        fields = self.forms[-1][1] if self.forms else {}
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "checkbox"):
            fields[a["name"]] = a.get("value") or ""
        elif tag == "input" and a.get("type") == "checkbox" and "checked" in a:
            fields[a["name"]] = a.get("value") or "y"
        elif tag == "textarea" and a.get("name"):
            self._field = a["name"]
            fields[self._field] = ""
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
        elif tag == "option" and self._select and (self._select not in fields or
                                                   "selected" in a):
            fields[self._select] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._field = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._field and self.forms:
            self.forms[-1][1][self._field] += data


def forms_of(page: str) -> list[tuple[str, dict[str, str]]]:
    parser = Form()
    parser.feed(page)
    return parser.forms


CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                  r'type="hidden" name="csrf_token" value="([^"]+)"|'
                  r'name="csrf_token" value="([^"]+)"')


def csrf_of(page: str) -> str:
    match = CSRF.search(page)
    if match is None:
        raise ValueError("no csrf_token on the page")
    return next(group for group in match.groups() if group)


# -- setting up, running, reporting --------------------------------------------------------

def ensure_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                    (name,)).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def flask(env: dict, *args: str) -> None:
    subprocess.run([str(BIN / "flask"), "--app", "app", *args], env=env, check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)


MIX = {"buyer": 0.40, "supplier": 0.25, "visitor": 0.30, "organiser": 0.05}
PRODUCTS = [("현미 쌀국수", "글루텐프리 현미 쌀국수, 5분 조리"),
            ("유기농 고추장", "전통 방식으로 숙성한 고추장"),
            ("김부각", "찹쌀풀을 발라 튀긴 바삭한 김 스낵"),
            ("홍삼 젤리", "6년근 홍삼 농축액 스틱 젤리"),
            ("세라믹 브레이크 패드", "승용차용 저소음 세라믹 패드"),
            ("천연 화장비누", "쌀겨 추출물 수제 비누"),
            ("대나무 칫솔", "생분해 대나무 손잡이 칫솔"),
            ("즉석 떡볶이", "쌀떡과 소스가 든 간편식")]
INTERESTS = ["Gluten-free rice noodles for supermarkets.", "Korean sauces and fermented food.",
             "Healthy snacks, seaweed and ginseng products.", "Car parts: brake pads and filters.",
             "Natural cosmetics and soap.", "Eco-friendly household goods.",
             "Ready meals for convenience stores."]


def create_accounts(users: int, out: Path) -> dict:
    """Accounts for every simulated user (idempotent), market listings, and what locust needs."""
    from sqlalchemy import func, select, update

    from app import create_app
    from app.auth import services as auth_services
    from app.auth.models import Role
    from app.buyers import services as buyer_services
    from app.buyers.models import Buyer
    from app.catalogue import services as catalogue_services
    from app.catalogue.models import Company, Product
    from app.commerce.market import services as market
    from app.commerce.market.models import MarketListing, MarketOrder
    from app.demo.expo import find_demo_event
    from app.expo import participation
    from app.extensions import db

    counts = {role: max(1, round(users * share)) for role, share in MIX.items()}
    app = create_app()
    people: dict[str, list[dict]] = {role: [] for role in counts}
    with app.app_context():
        organiser = auth_services.find_user("organiser@expomatch.demo")
        event = find_demo_event()
        event.max_requests = 1000  # the bench measures pages, not the request limit
        event.booking_mode = "participants"  # accepting books a slot: double bookings possible
        db.session.commit()
        rng = random.Random(1)
        for role, count in counts.items():
            for n in range(count):
                email = f"load-{role}-{n:03d}@expomatch.test"
                user = auth_services.find_user(email)
                if user is None:
                    owner = {}
                    if role == "supplier":
                        company = catalogue_services.create_company(
                            f"부하시험기업 {n:03d}", supplier_ref=f"LOAD-S{n:03d}",
                            name_en=f"Load Test Co {n:03d}")
                        owner["company_id"] = company.id
                    elif role in ("buyer", "visitor"):
                        owner["buyer_id"] = buyer_services.create_buyer(
                            f"Load {role.title()} {n:03d}", rng.choice(["NZ", "VN", "US", "JP"]),
                            "en", rng.choice(INTERESTS)).id
                    user = auth_services.create_user(
                        email, PASSWORD, Role.ORGANISER if role == "organiser" else
                        Role.SUPPLIER if role == "supplier" else Role.BUYER, **owner)
                    if role == "supplier":
                        for k, (name, description) in enumerate(rng.sample(PRODUCTS, 2)):
                            catalogue_services.save_product(
                                company, user, certifications=[], product_ref=f"LOAD-P{k}",
                                name_ko=name, description_ko=description, hs_code="190230")
                        participation.register(event, organiser, company=company)
                    elif role == "buyer":
                        participation.register(event, organiser,
                                               buyer=db.session.get(Buyer, user.buyer_id))
                    db.session.commit()
                entry = {"email": email}
                if role == "supplier":
                    entry["company_id"] = user.company_id
                    entry["product_ids"] = list(db.session.scalars(
                        select(Product.id).where(Product.company_id == user.company_id)))
                elif role == "buyer":
                    entry["buyer_id"] = user.buyer_id
                people[role].append(entry)
        # The market: every demo SME lists one product, approved, with stock to sell.
        if not db.session.scalar(select(func.count(MarketListing.id))):
            for company in db.session.scalars(select(Company).where(
                    ~Company.supplier_ref.startswith("LOAD-")).order_by(Company.id)):
                product = company.products[0] if company.products else None
                if product is None:
                    continue
                listing = market.create_listing(company, product, event, organiser,
                                                price_krw=rng.randint(5, 50) * 1000,
                                                stock=rng.randint(50, 300), category="food")
                market.approve_listing(listing, organiser)
            db.session.commit()
        # Earlier runs sold stock: top every listing up so that visitors can still order.
        db.session.execute(update(MarketListing).where(MarketListing.stock < 200)
                           .values(stock=300))
        db.session.commit()
        listing_ids = list(db.session.scalars(select(MarketListing.id).where(
            MarketListing.status == "approved")))
        # What each listing started with: stock now plus what is reserved or picked up.
        held = dict(db.session.execute(select(MarketOrder.listing_id, func.sum(
            MarketOrder.quantity)).where(MarketOrder.status != "cancelled")
            .group_by(MarketOrder.listing_id)).all())
        stocked = {lid: stock + int(held.get(lid, 0)) for lid, stock in db.session.execute(
            select(MarketListing.id, MarketListing.stock))}
        accounts = {"event_id": event.id, "people": people, "listing_ids": listing_ids,
                    "stocked": {str(k): v for k, v in stocked.items()},
                    "mix": {role: counts[role] for role in counts},
                    "alone": {  # the match pages one user alone asks for: the baseline
                        "match list": (people["buyer"][0]["email"],
                                       f"/buyers/{people['buyer'][0]['buyer_id']}/matches"),
                        "buyers for supplier": (
                            people["supplier"][0]["email"],
                            f"/companies/{people['supplier'][0]['company_id']}/matches")}}
        db.engine.dispose()
    out.write_text(json.dumps(accounts))
    return accounts


def wait_for(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{url} did not answer within {seconds:.0f} s")


def _children_cpu_ticks(parent: int) -> tuple[int, int]:
    """(number of child processes of `parent`, their CPU time in clock ticks), from /proc."""
    count = ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[1]) == parent:  # fields after the name: state, ppid, ..., utime, stime
            count += 1
            ticks += int(fields[11]) + int(fields[12])
    return count, ticks


def wait_for_warm_workers(master: int, workers: int, seconds: float = 300) -> float:
    """Wait until all gunicorn workers are up and idle: each loads the model, the indexes and
    the match tables as it starts, and one worker answering /healthz while the others still
    load would make the baseline measure their contention. Returns the seconds waited."""
    began = time.monotonic()
    last = None
    while time.monotonic() - began < seconds:
        count, ticks = _children_cpu_ticks(master)
        if count == workers and last is not None and ticks - last < 10:  # < 0.1 s CPU in 1 s
            return time.monotonic() - began
        last = ticks if count == workers else None
        time.sleep(1)
    raise SystemExit(f"gunicorn workers still busy after {seconds:.0f} s")


def alone(host: str, email: str, path: str, rounds: int, warm: int) -> float:
    """p95 (ms) of one page for one user alone, after `warm` concurrent loads so that every
    worker has loaded the model and the index (as it has in production)."""
    from concurrent.futures import ThreadPoolExecutor

    import requests

    session = requests.Session()
    page = session.get(f"{host}/login").text
    session.post(f"{host}/login", data={"csrf_token": csrf_of(page), "email": email,
                                        "password": PASSWORD})
    with ThreadPoolExecutor(max_workers=warm) as pool:
        for _ in range(2):
            for response in pool.map(lambda _: session.get(host + path), range(warm)):
                response.raise_for_status()
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        session.get(host + path).raise_for_status()
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return times[min(len(times) - 1, int(0.95 * len(times)))]


def database_checks(url: str, stocked: dict[str, int]) -> dict[str, int]:
    import psycopg

    with psycopg.connect(url) as connection:
        double = 0
        for column in ("buyer_id", "company_id", "table_id", "interpreter_id"):
            double += connection.execute(
                f"SELECT count(*) FROM (SELECT slot_id, {column} FROM meeting "
                f"WHERE {column} IS NOT NULL AND status != 'no_show' "
                f"GROUP BY slot_id, {column} HAVING count(*) > 1) AS twice").fetchone()[0]
        negative = connection.execute(
            "SELECT count(*) FROM market_listing WHERE stock < 0").fetchone()[0]
        rows = connection.execute(
            "SELECT l.id, l.stock, coalesce(sum(o.quantity) FILTER "
            "(WHERE o.status != 'cancelled'), 0) FROM market_listing l "
            "LEFT JOIN market_order o ON o.listing_id = l.id GROUP BY l.id, l.stock").fetchall()
        oversold = sum(1 for lid, stock, held in rows
                       if held > stocked.get(str(lid), stock + held) or
                       stock + held != stocked.get(str(lid), stock + held))
        meetings = connection.execute("SELECT count(*) FROM meeting").fetchone()[0]
        orders = connection.execute("SELECT count(*) FROM market_order").fetchone()[0]
    return {"double_bookings": double, "negative_stock": negative, "oversold": oversold,
            "meetings": meetings, "orders": orders}


def read_stats(prefix: Path) -> dict[str, dict]:
    with open(f"{prefix}_stats.csv", newline="") as handle:
        return {row["Name"]: row for row in csv.DictReader(handle)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=300, help="seconds of load (300)")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=5,
                        help="users arriving per second (5: each log-in hashes a password "
                             "with scrypt); the figures start once all have arrived")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (4)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (4)")
    parser.add_argument("--port", type=int, default=8321)
    parser.add_argument("--database", default="load")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/1")
    parser.add_argument("--baseline-rounds", type=int, default=20)
    parser.add_argument("--think", default="5,15",
                        help="seconds each user reads a page before the next: MIN,MAX (5,15; "
                             "1,3 saturates 2 cores)")
    parser.add_argument("--edits", choices=("mixed", "text"), default="mixed",
                        help="supplier product edits: half change the text, half only the "
                             "MOQ (mixed), or all change the text")
    args = parser.parse_args()

    spawn_rate = args.spawn_rate
    ramp = int(args.users / spawn_rate + 0.999)
    url = f"{args.postgres}/{args.database}"
    work = Path(tempfile.mkdtemp(prefix="expomatch-load-"))
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": args.redis,
           "SECRET_KEY": secrets.token_urlsafe(48), "EXPOMATCH_ENV": "development",
           "MATCHING_INDEX_DIR": str(ROOT / "instance" / "load-index"),
           "WEB_CONCURRENCY": str(args.workers), "GUNICORN_THREADS": str(args.threads),
           "GUNICORN_BIND": f"127.0.0.1:{args.port}", "GUNICORN_ACCESS_LOG": "/dev/null",
           "GUNICORN_LOG_LEVEL": "warning", "PYTHONPATH": str(ROOT)}
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY",
                                          "MATCHING_INDEX_DIR")})
    print(f"database {url}, Redis {args.redis}, {args.users} users for {args.duration} s "
          f"(started at {spawn_rate:.1f}/s), gunicorn {args.workers} x {args.threads} threads")
    ensure_database(f"{args.postgres}/postgres", args.database)
    import redis

    redis.Redis.from_url(args.redis).flushdb()  # this benchmark's queue and limits only
    flask(env, "db", "upgrade")
    flask(env, "demo", "load")
    began = time.monotonic()
    accounts = create_accounts(args.users, work / "accounts.json")
    flask(env, "match", "reindex")
    print(f"accounts and index ready in {time.monotonic() - began:.0f} s")

    started: list[subprocess.Popen] = []
    host = f"http://127.0.0.1:{args.port}"
    try:
        started.append(subprocess.Popen([str(BIN / "huey_consumer"), "app.jobs.queue.huey",
                                         "--workers", "1", "--quiet"], env=env, cwd=ROOT))
        started.append(subprocess.Popen([str(BIN / "gunicorn"), "-c", "gunicorn.conf.py",
                                         "wsgi:app"], env=env, cwd=ROOT))
        wait_for(f"{host}/healthz")
        warmed = wait_for_warm_workers(started[-1].pid, args.workers)
        print(f"{args.workers} gunicorn workers warmed up (model, indexes, match tables) "
              f"{warmed:.0f} s after the first answered")
        baseline = {group: alone(host, email, path, args.baseline_rounds,
                                 warm=2 * args.workers * args.threads)
                    for group, (email, path) in accounts["alone"].items()}
        for group, value in baseline.items():
            print(f"{group}, one user alone: p95 {value:.0f} ms")
        prefix = work / "locust"
        subprocess.run([str(BIN / "locust"), "-f", str(Path(__file__).with_name(
                        "load_users.py")), "--headless", "--host", host,
                        "-u", str(args.users), "-r", f"{spawn_rate:.2f}", "--reset-stats",
                        "-t", f"{ramp + args.duration}s", "--csv", str(prefix),
                        "--only-summary",
                        "--loglevel", "WARNING", "--stop-timeout", "5"],
                       env={**env, "EXPOMATCH_LOAD_EDITS": args.edits,
                            "EXPOMATCH_LOAD_THINK": args.think,
                            "EXPOMATCH_LOAD_ACCOUNTS": str(work / "accounts.json"),
                            "EXPOMATCH_LOAD_WHOLE_RUN": str(work / "whole-run.json")},
                       cwd=ROOT, check=False)
    finally:
        for process in reversed(started):
            process.send_signal(signal.SIGTERM)
        for process in started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    whole_run = json.loads((work / "whole-run.json").read_text())
    return report(read_stats(prefix), baseline, database_checks(url, accounts["stocked"]),
                  args.duration, ramp, whole_run)


def report(stats: dict[str, dict], baseline: dict[str, float], checks: dict,
           duration: int, ramp: int, whole_run: dict) -> int:
    print()
    print(f"{duration} s with every user in, after {ramp} s of arrivals (log-ins):")
    print(f"{'page group':<22}{'requests':>9}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}"
          f"{'p99 ms':>8}{'errors':>8}")
    for name in [*GROUPS, "Aggregated"]:
        row = stats.get(name)
        if row is None:
            continue
        print(f"{name:<22}{int(row['Request Count']):>9}{float(row['Requests/s']):>8.1f}"
              f"{row['50%']:>8}{row['95%']:>8}{row['99%']:>8}{int(row['Failure Count']):>8}")
    total = stats["Aggregated"]
    errors = max(int(total["Failure Count"]), whole_run["failures"])

    def p95(group: str) -> float:  # no request finished: as bad as it gets
        value = stats.get(group, {}).get("95%", "N/A")
        return float("inf") if value == "N/A" else float(value)

    match_p95 = max(p95(group) for group in MATCH_GROUPS)
    print()
    for group, value in baseline.items():
        print(f"{group} p95 under load / alone: {p95(group):.0f} / {value:.0f} ms = "
              f"{p95(group) / value:.1f}x")
    print(f"whole run, arrivals included: {whole_run['requests']} requests, "
          f"{whole_run['failures']} errors")
    print(f"meetings in the database: {checks['meetings']}, market orders: {checks['orders']}")
    results = [("no errors", errors == 0, f"{errors} errors in the whole run"),
               ("match pages p95 < 200 ms", match_p95 < 200, f"worst p95 {match_p95:.0f} ms"),
               ("no double booking", checks["double_bookings"] == 0,
                f"{checks['double_bookings']} slots taken twice"),
               ("no negative stock", checks["negative_stock"] == 0,
                f"{checks['negative_stock']} listings"),
               ("orders <= stock", checks["oversold"] == 0, f"{checks['oversold']} listings")]
    for label, ok, detail in results:
        print(f"{'PASS' if ok else 'FAIL'}  {label} ({detail})")
    print("(figures from locust's CSV; its percentiles are rounded to 2 significant digits)")
    return 0 if all(ok for _, ok, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
