"""No user data in logs: a real server takes registrations, failed and successful log-ins, an
import, a profile with contact details and an order, with every logger the app or its
libraries write to captured at DEBUG (SQLAlchemy's at INFO, what echo=True would show)."""

import http.cookiejar
import logging
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import date

import pytest
from werkzeug.serving import make_server

from app.extensions import db
from tests.faults.databases import app_on_own_database

SECRETS = {
    "email": "ji-woo.park@hanmail-secret.example",
    "password": "Pa55word-never-logged",
    "buyer_email": "kiwi.buyer@secret-buyer.example",
    "contact_name": "박지우대리",
    "contact_email": "sales.contact@hidden-contact.example",
    "contact_phone": "+82-10-9876-5432",
}
LOGGERS = {"app": logging.DEBUG, "werkzeug": logging.DEBUG, "flask-limiter": logging.DEBUG,
           "flask_limiter": logging.DEBUG, "huey": logging.DEBUG, "flask_wtf": logging.DEBUG,
           "sqlalchemy.engine": logging.INFO, "sqlalchemy.pool": logging.DEBUG}


class Browser:
    """A cookie-keeping HTTP client for the test server, standard library only."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def request(self, path: str, data: dict | None = None, files: dict | None = None) -> int:
        body, headers = None, {"Accept-Language": "en"}
        if files:
            body, headers["Content-Type"] = _multipart(data or {}, files)
        elif data is not None:
            body = urllib.parse.urlencode(data).encode()
        try:
            with self.opener.open(urllib.request.Request(self.base + path, data=body,
                                                         headers=headers)) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code


def _multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n".encode())
    for name, (filename, content) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                     f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
                     + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Collector(logging.Handler):
    """Every record, formatted with its traceback, whatever else reconfigures logging."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def captured_logs():
    """The loggers at the levels above (Alembic's fileConfig may have disabled some)."""
    collector = Collector()
    root = logging.getLogger()
    saved = {name: (logging.getLogger(name).level, logging.getLogger(name).disabled)
             for name in LOGGERS}
    for name, level in LOGGERS.items():
        logging.getLogger(name).setLevel(level)
        logging.getLogger(name).disabled = False
    root.addHandler(collector)
    yield collector
    root.removeHandler(collector)
    for name, (level, disabled) in saved.items():
        logging.getLogger(name).setLevel(level)
        logging.getLogger(name).disabled = disabled


@pytest.fixture
def server(tmp_path):
    with app_on_own_database(tmp_path, "logs") as app:
        yield from _serve(app)


def _serve(app):
    http_server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http_server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{http_server.server_port}"
    http_server.shutdown()
    thread.join(10)


def _market_with_a_listing(app) -> int:
    """An approved listing the buyer can order (set up through the services)."""
    from app.auth import services as accounts
    from app.auth.models import Role
    from app.catalogue.models import Company
    from app.commerce.market import services
    from app.expo import events as setup

    with app.app_context():
        organiser = accounts.create_user("organiser@example.com", "organiser-pass", Role.ORGANISER)
        company = db.session.scalar(db.select(Company).where(Company.supplier_ref == "LOG1"))
        supplier = accounts.find_user(SECRETS["email"])
        event = setup.create_event(organiser, name_ko="상생", name_en="Market",
                                   starts_on=date(2025, 10, 21), ends_on=date(2025, 10, 21))
        listing = services.create_listing(company, company.products[0], event, supplier,
                                          price_krw=5000, stock=5, category="food")
        services.approve_listing(listing, organiser)
        db.session.commit()
        return listing.id


def test_no_user_data_reaches_the_logs(server, captured_logs):
    app, base = server
    supplier = Browser(base)
    assert supplier.request("/register/supplier", {
        "email": SECRETS["email"], "password": SECRETS["password"],
        "confirm": SECRETS["password"], "company_name_ko": "로그식품", "supplier_ref": "LOG1",
    }) == 200  # followed the redirect to the dashboard
    with app.app_context():
        from app.auth.services import find_user

        company_id = find_user(SECRETS["email"]).company_id
    assert supplier.request(f"/companies/{company_id}/edit", {
        "name_ko": "로그식품", "contact_name": SECRETS["contact_name"],
        "contact_email": SECRETS["contact_email"], "contact_phone": SECRETS["contact_phone"],
    }) == 200
    csv = ("supplier_ref,company_name_ko,product_ref,product_name_ko,description_ko\n"
           "LOG1,로그식품,P1,쌀국수,설명\n").encode()
    assert supplier.request(f"/companies/{company_id}/import", {},
                            {"file": ("catalogue.csv", csv)}) == 200
    bad = f"supplier_ref,company_name_ko,product_ref\nLOG1,{SECRETS['contact_email']},\n"
    assert supplier.request(f"/companies/{company_id}/import", {},
                            {"file": ("catalogue.csv", bad.encode())}) == 422
    supplier.request("/logout", {})
    attacker = Browser(base)
    statuses = [attacker.request("/login", {"email": SECRETS["email"],
                                            "password": SECRETS["password"] + "x"})
                for _attempt in range(7)]
    assert statuses[-1] == 429  # the limiter logged its refusal
    assert Browser(base).request("/register/buyer", {
        "email": SECRETS["buyer_email"], "password": SECRETS["password"],
        "confirm": SECRETS["password"], "company_name": "Kiwi Pantry", "country": "NZ",
        "language": "en"}) == 200
    listing_id = _market_with_a_listing(app)
    buyer = Browser(base)
    assert buyer.request("/login", {"email": SECRETS["buyer_email"],
                                    "password": SECRETS["password"]}) == 200
    assert buyer.request(f"/market/listings/{listing_id}/order", {"quantity": "1"}) == 200
    assert buyer.request("/no-such-page") == 404

    logged = "\n".join(captured_logs.lines)
    for sign_of_capture in ("POST /login", "ratelimit", "INSERT INTO company", "429"):
        assert sign_of_capture in logged, sign_of_capture
    for name, secret in SECRETS.items():
        assert secret not in logged, f"{name} appears in the logs"
        assert secret.split("@")[0] not in logged, f"{name} appears in the logs"
