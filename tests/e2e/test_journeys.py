"""The three journeys of the demo expo in a real browser, as README.md shows them.

An SME in the Korean UI imports a catalogue and accepts a buyer's request; the organiser
schedules the accepted requests, publishes and reads the results; a buyer in the English UI
browses ranked and explained matches, asks for a meeting and downloads the agenda. Each
journey takes full-page screenshots: into docs/screenshots/, the images README.md shows, when
run by `make screenshots` (EXPOMATCH_SCREENSHOTS names the folder), else into a temporary
folder, so that a test run leaves the working tree as it was.

The tests share one live server with the demo loaded (`demo_server`) and run in this order;
the buyer's agenda needs a published schedule and makes one through the service when the
organiser's journey has not run (e.g. with -k).
"""

import csv
import os
import re
import tempfile
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime
from icalendar import Calendar
from sqlalchemy import func, select

from app.auth import services as auth_services
from app.auth.models import Role
from app.buyers.models import Buyer
from app.catalogue.models import Company, Product
from app.catalogue.transfer import COLUMNS
from app.demo.cli import DATA, DEMO_PASSWORD
from app.demo.expo import demo_start
from app.expo import meeting_requests as requests
from app.expo import scheduling
from app.expo.models import Event, Meeting, MeetingRequest
from app.extensions import db

pytestmark = pytest.mark.e2e

SHOTS = Path(os.environ.get("EXPOMATCH_SCREENSHOTS")
             or Path(tempfile.gettempdir()) / "expomatch-screenshots")
VIEWPORT = {"width": 1280, "height": 900}
MAX_SHOT_HEIGHT = 1800  # long pages are cut here: README images stay small
EVENT = f"Smart Biz Expo {demo_start().year}"  # the demo event, four weeks or more ahead
SUPPLIER, BUYER, ORGANISER = ("supplier@expomatch.demo", "buyer@expomatch.demo",
                              "organiser@expomatch.demo")
ASKING_BUYER = "BUY002"  # asks the demo SME for a meeting before the SME's journey
ASKING_MESSAGE = "We would like to stock your rice noodles in our Bay Area stores."
NEW_PRODUCTS = [
    {"product_ref": "P0101", "product_name_ko": "들기름 메밀 막국수 (냉동)",
     "product_name_en": "Buckwheat Noodles with Perilla Oil, Frozen",
     "description_ko": "강원도 메밀과 들기름으로 만든 냉동 막국수로, 해동 후 바로 비벼 먹습니다.",
     "description_en": "Frozen buckwheat noodles with perilla oil, ready once thawed.",
     "hs_code": "190230", "moq": "200 cartons", "unit_price_usd": "3.10",
     "certifications": "HACCP"},
    {"product_ref": "P0102", "product_name_ko": "감자 옹심이 500g",
     "product_name_en": "", "description_ko": "강원도 감자를 갈아 빚은 옹심이입니다.",
     "description_en": "", "hs_code": "", "moq": "", "unit_price_usd": "",
     "certifications": ""},
]
# Three or more English words in a row (not codes such as unit_price_usd): a sentence or
# phrase left untranslated in a Korean page.
WORD = r"(?<![\w.@/-])[A-Za-z][a-z']+(?![\w@/-])"
ENGLISH_RUN = re.compile(rf"{WORD}(?:[ ,:;]+{WORD}){{2,}}")


@pytest.fixture(scope="module")
def demo(demo_server):
    """The demo expo, where a second buyer has asked the demo SME for a meeting (pending)."""
    app = demo_server.app
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.name_en == EVENT))
        buyer = db.session.scalar(select(Buyer).where(Buyer.buyer_ref == ASKING_BUYER))
        company = db.session.scalar(select(Company).where(Company.supplier_ref == "SME001"))
        user = auth_services.create_user("buyer2@expomatch.demo", DEMO_PASSWORD, Role.BUYER,
                                         buyer_id=buyer.id)
        requests.request_meeting(event, buyer, company, user, ASKING_MESSAGE)
        db.session.commit()
    return demo_server


@pytest.fixture
def new_page(browser, demo):
    """`new_page(locale)`: a page of a fresh browser context (its own cookies)."""
    contexts = []

    def make(locale: str):
        context = browser.new_context(base_url=demo.url, locale=locale, viewport=VIEWPORT,
                                      timezone_id="Asia/Seoul", accept_downloads=True)
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def shot(page, name: str) -> None:
    """A full-page screenshot for README.md, cut at MAX_SHOT_HEIGHT pixels."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    height = min(page.evaluate("document.documentElement.scrollHeight"), MAX_SHOT_HEIGHT)
    page.screenshot(path=str(SHOTS / name), full_page=True, animations="disabled", caret="hide",
                    clip={"x": 0, "y": 0, "width": VIEWPORT["width"], "height": height})
    assert (SHOTS / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def log_in(page, email: str) -> None:
    from playwright.sync_api import expect

    page.locator('header a[href="/login"]').click()
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.locator("main form #submit").click()
    expect(page.locator("header form[action='/logout']")).to_be_visible()


def open_event_tab(page, tab: str) -> None:
    """Events in the main menu, the demo event, then one of its tabs."""
    page.locator("header nav a[href='/events']").click()
    page.locator("main a", has_text=re.compile(f"{EVENT}|스마트비즈엑스포 {demo_start().year}")
                 ).first.click()
    page.locator("nav.subnav a", has_text=tab).click()


def english_left(page, allowed: list[str]) -> list[str]:
    """Runs of English words in the page's main content, once `allowed` names are removed."""
    text = page.locator("main").inner_text()
    for name in sorted(allowed, key=len, reverse=True):
        text = text.replace(name, " ")
    return ENGLISH_RUN.findall(text)


def match_scores(results) -> list[int]:
    return [int(re.search(r"Match score (\d+)", text).group(1))
            for text in results.locator("h2 + p.muted").all_inner_texts()]


def company_id_of(result) -> int:
    return int(re.search(r"/suppliers/(\d+)$", result.locator("h2 a").get_attribute("href"))
               .group(1))


def write_catalogue(path: Path) -> Path:
    """The demo SME's own rows from the demo catalogue, plus two new products."""
    with (DATA / "catalogue.csv").open(encoding="utf-8") as source:
        rows = [row for row in csv.DictReader(source) if row["supplier_ref"] == "SME001"]
    company = {key: rows[0][key] for key in ("supplier_ref", "company_name_ko",
                                             "company_name_en", "region_ko",
                                             "export_countries")}
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
        writer.writerows({**company, **product} for product in NEW_PRODUCTS)
    return path


def test_sme_imports_catalogue_and_accepts_a_meeting_in_korean(demo, new_page, tmp_path):
    from playwright.sync_api import expect

    with demo.app.app_context():
        buyer_names = list(db.session.scalars(select(Buyer.company_name)))
    page = new_page("en-US")
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator(".langs button", has_text="한국어").click()  # the language switch
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    log_in(page, SUPPLIER)

    # My catalogue: upload the CSV, read the report, see the new products.
    expect(page).to_have_url(re.compile(r"/companies/\d+/products$"))
    expect(page.locator("h1")).to_have_text("횡성쌀면 농업회사법인(주)")
    upload = page.locator('form[enctype="multipart/form-data"]')
    upload.locator('input[type="file"]').set_input_files(write_catalogue(tmp_path / "c.csv"))
    upload.locator('[type="submit"]').click()
    report = page.locator("section.report")
    expect(report).to_contain_text("가져오기 완료")
    expect(report).to_contain_text("2건 생성")
    expect(page.locator("section.problems")).to_have_count(0)
    assert english_left(page, buyer_names) == []

    page.locator("header nav a", has_text="내 카탈로그").click()
    table = page.locator("main table")
    for product in NEW_PRODUCTS:
        expect(table.get_by_role("link", name=product["product_name_ko"], exact=True)
               ).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(5)
    assert english_left(page, buyer_names) == []
    shot(page, "sme-1-catalogue-ko.png")

    # The event's meeting requests: accept the pending one from the asking buyer.
    open_event_tab(page, "상담 요청")
    expect(page.locator("h1")).to_have_text(f"스마트비즈엑스포 {demo_start().year}")
    with demo.app.app_context():
        asker = db.session.scalar(select(Buyer).where(Buyer.buyer_ref == ASKING_BUYER))
    row = page.locator("main tbody tr", has_text=asker.company_name)
    expect(row).to_contain_text("대기 중")
    expect(row).to_contain_text(ASKING_MESSAGE)
    assert english_left(page, [*buyer_names, ASKING_MESSAGE]) == []
    shot(page, "sme-2-accept-ko.png")
    slot = row.locator("select[name=slot]")
    if slot.count():  # events where participants book their own slots ask for one
        slot.select_option(index=0)
    row.get_by_role("button", name="수락", exact=True).click()
    expect(page.locator(".flash.success")).to_have_text("요청을 수락했습니다.")
    expect(row).to_contain_text("수락됨")
    expect(row.get_by_role("button", name="수락", exact=True)).to_have_count(0)
    assert english_left(page, [*buyer_names, ASKING_MESSAGE]) == []

    with demo.app.app_context():
        status = db.session.scalar(select(MeetingRequest.status).where(
            MeetingRequest.buyer_id == asker.id,
            MeetingRequest.company.has(supplier_ref="SME001")))
        products = db.session.scalar(select(func.count(Product.id)).where(
            Product.company.has(supplier_ref="SME001")))
    assert (status, products) == ("accepted", 5)


def test_organiser_schedules_publishes_and_reads_results(demo, new_page):
    from playwright.sync_api import expect

    page = new_page("en-GB")
    page.goto("/")
    log_in(page, ORGANISER)
    open_event_tab(page, "Schedule")
    expect(page).to_have_url(re.compile(r"/events/\d+/schedule$"))
    schedule_url = page.url
    page.locator("main form #submit").click()  # Schedule accepted requests
    page.wait_for_load_state()
    if re.search(r"/jobs/\d+", page.url):  # scheduling handed to the job queue
        expect(page.locator("[role=status]")).to_have_text(re.compile("Done"), timeout=120_000)
        result = page.locator("main a[href*='/schedule']")
        if result.count():
            result.first.click()
        else:
            page.goto(schedule_url)
    expect(page).to_have_url(schedule_url)
    grid = page.locator("main .grid table")
    expect(grid).to_be_visible()
    placed = grid.locator("tbody td a").count()
    with demo.app.app_context():
        event = db.session.scalar(select(Event).where(Event.name_en == EVENT))
        accepted = db.session.scalar(select(func.count(MeetingRequest.id)).where(
            MeetingRequest.event_id == event.id, MeetingRequest.status == "accepted"))
        requested = db.session.scalar(select(func.count(MeetingRequest.id)).where(
            MeetingRequest.event_id == event.id))
        meetings = db.session.scalar(select(func.count(Meeting.id)).where(
            Meeting.event_id == event.id))
    assert 0 < placed == meetings <= accepted
    expect(page.locator("main")).to_contain_text(f"{placed} meetings scheduled")

    page.get_by_role("button", name="Publish and confirm").click()
    expect(page.locator(".flash.success")).to_have_text(f"{placed} meetings published.")
    expect(grid.locator("tbody td", has_text="✓")).to_have_count(placed)
    shot(page, "organiser-1-schedule.png")

    page.locator("nav.subnav a", has_text="Results").click()
    expect(page).to_have_url(re.compile(r"/events/\d+/dashboard$"))
    stats = page.locator("main ul.stats")

    def figure(label: str) -> int:
        item = stats.locator("li", has=page.locator("strong")).filter(
            has_text=re.compile(rf"\s{re.escape(label)}\b"))
        return int(item.locator("strong").inner_text().replace(",", ""))

    assert figure("meetings scheduled") == placed
    assert figure("requests accepted") == accepted
    assert figure("meetings requested") == requested
    funnel = page.locator("#funnel-table")
    expect(funnel.locator("tr", has_text="Scheduled").locator("td")).to_have_text(str(placed))
    shot(page, "organiser-2-dashboard.png")


def ensure_published_schedule(app) -> None:
    """Schedule and publish through the services if no meeting is confirmed yet."""
    from app.auth.services import find_user

    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.name_en == EVENT))
        if db.session.scalar(select(func.count(Meeting.id)).where(
                Meeting.event_id == event.id, Meeting.confirmed)):
            return
        organiser = find_user(ORGANISER)
        scheduling.run(event, organiser, time_limit=30)
        scheduling.publish(event, organiser)
        db.session.commit()


def test_buyer_browses_matches_requests_a_meeting_and_downloads_the_agenda(demo, new_page):
    from playwright.sync_api import expect

    with demo.app.app_context():
        buyer = db.session.scalar(select(Buyer).where(Buyer.buyer_ref == "BUY001"))
        asked = set(db.session.scalars(select(MeetingRequest.company_id).where(
            MeetingRequest.buyer_id == buyer.id)))
        names = {c.id: (c.name_en or c.name_ko) for c in db.session.scalars(select(Company))}
        catalogue = {c: set() for c in names}
        for product in db.session.scalars(select(Product)):
            catalogue[product.company_id].add(product.name_en or product.name_ko)
    page = new_page("en-NZ")
    page.goto("/")
    log_in(page, BUYER)
    expect(page.locator("html")).to_have_attribute("lang", "en")

    # Suppliers for you: ranked by score, each explained by lines of its own catalogue.
    page.locator("header nav a", has_text="Suppliers for you").click()
    expect(page.locator("h1")).to_have_text("Suppliers for you")
    results = page.locator("main ol.matches > li.result")
    expect(results.first).to_be_visible()
    scores = match_scores(results)
    assert len(scores) == results.count() > 3
    assert scores == sorted(scores, reverse=True)
    for result in results.all()[:5]:
        cited = result.locator(".why .evidence > li > a").all_inner_texts()
        assert cited
        assert set(cited) <= catalogue[company_id_of(result)]
        expect(result.locator(".why .evidence").first).to_contain_text("similar in meaning")
    shot(page, "buyer-1-matches-en.png")

    # Filter by region: only Gangwon suppliers remain, still ranked.
    page.locator("#region").select_option("강원")
    page.get_by_role("button", name="Filter", exact=True).click()
    expect(page).to_have_url(re.compile(r"[?&]region="))
    expect(results.first).to_be_visible()
    for region in results.locator("h2 + p.muted").all_inner_texts():
        assert region.startswith("강원")
    filtered = match_scores(results)
    assert filtered == sorted(filtered, reverse=True)

    # Ask a supplier not asked yet for a meeting, with a message.
    target = next(r for r in results.all() if company_id_of(r) not in asked)
    supplier = target.locator("h2 a").inner_text()
    target.get_by_role("link", name=f"Request a meeting at {EVENT}").click()
    expect(page.locator("h1")).to_have_text("Request a meeting")
    page.locator("main textarea, main input[name=message]").first.fill(
        "Could we taste your noodles at the show?")
    page.locator("main form #submit").click()
    expect(page.locator(".flash.success")).to_have_text("Meeting request sent.")
    row = page.locator("main tbody tr", has_text=supplier)
    expect(row).to_contain_text("Pending")
    expect(row).to_contain_text("Could we taste your noodles at the show?")

    # The agenda, once the organisers have published the schedule, on the page and as .ics.
    ensure_published_schedule(demo.app)
    page.locator("nav.subnav a", has_text="My agenda").click()
    expect(page.locator("main h2")).to_have_text(f"Agenda of {buyer.company_name}")
    rows = page.locator("main table.agenda tbody tr")
    expect(rows.first).not_to_contain_text("No meetings scheduled yet.")
    on_page = [(r.locator("td").nth(1).inner_text().strip(), r.locator("td").nth(0).inner_text())
               for r in rows.all()]
    shot(page, "buyer-2-agenda-en.png")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download to your calendar (.ics)").click()
    assert download.value.suggested_filename.endswith(".ics")
    calendar = Calendar.from_ical(Path(download.value.path()).read_bytes())

    with demo.app.app_context():
        expected = sorted(
            (m.slot.starts_at.replace(tzinfo=m.slot.starts_at.tzinfo or ZoneInfo("UTC")),
             names[m.company_id]) for m in db.session.scalars(
                select(Meeting).where(Meeting.buyer_id == buyer.id)))
    events = sorted((e.decoded("dtstart"), e.decoded("dtend"), str(e["summary"]))
                    for e in calendar.walk("VEVENT"))
    assert [(start, f"Meeting with {name}") for start, name in expected] == \
        [(start, summary) for start, _end, summary in events]
    seoul = ZoneInfo("Asia/Seoul")
    for (start, end, summary), (name, when) in zip(events, on_page, strict=True):
        assert end - start == timedelta(minutes=30)
        assert summary == f"Meeting with {name}"
        assert when.startswith(format_datetime(start, "short", tzinfo=seoul, locale="en"))
