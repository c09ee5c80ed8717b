"""The live chat between two real browsers on a real server: a buyer watching in English asks,
the supplier hosting in Korean sees the question arrive without reloading, answers, pins the
answer, hides a message and pins a product; the buyer sees all of it as it happens.

The server is the threaded werkzeug server of tests/e2e/conftest.py on its own SQLite file,
so the Server-Sent Events stream and the posts run concurrently, with CSRF protection on."""

import re
from datetime import date, timedelta

import pytest

from app.auth import services as auth_services
from app.auth.models import Role
from app.buyers.models import Buyer
from app.catalogue.models import Company, Product
from app.commerce.live import services as live
from app.commerce.market import services
from app.core.db import utcnow
from app.expo import events as setup
from app.extensions import db
from tests.e2e.conftest import live_app, serve

PASSWORD = "correct horse battery"
QUESTION = "Do you ship the noodles to Auckland in cartons of 24?"
ANSWER = "네, 24개입 카톤으로 오클랜드까지 보냅니다."
SPAM = "Buy cheap watches at example.com"


@pytest.fixture(scope="module")
def chat_server(tmp_path_factory):
    """A server with a live session on air: a supplier hosting, a buyer, one listing."""
    app = live_app(tmp_path_factory.mktemp("e2e-live"))
    with app.app_context():
        organiser = auth_services.create_user("organiser@live.test", PASSWORD, Role.ORGANISER)
        company = Company(supplier_ref="LIVE1", name_ko="횡성쌀면", name_en="Hoengseong Rice")
        product = Product(company=company, product_ref="LP1", name_ko="현미 쌀국수",
                          name_en="Brown rice noodles", description_ko="현미로 만든 쌀국수")
        buyer = Buyer(buyer_ref="LB1", company_name="Kiwi Pantry", country="NZ", language="en",
                      interests="Rice noodles")
        db.session.add_all([company, product, buyer])
        db.session.flush()
        host = auth_services.create_user("host@live.test", PASSWORD, Role.SUPPLIER,
                                         company_id=company.id, locale="ko")
        auth_services.create_user("buyer@live.test", PASSWORD, Role.BUYER, buyer_id=buyer.id,
                                  locale="en")
        event = setup.create_event(organiser, name_ko="라이브 엑스포", name_en="Live Expo",
                                   starts_on=date.today(), ends_on=date.today())
        listing = services.create_listing(company, product, event, organiser, price_krw=4_500,
                                          stock=20, category="food", booth="A-12")
        services.approve_listing(listing, organiser)
        session = live.create_session(
            event, company, organiser, title_ko="쌀국수 라이브", title_en="Rice noodles live",
            description_ko="", description_en="", starts_at=utcnow() - timedelta(minutes=5),
            ends_at=utcnow() + timedelta(hours=1), host_user=host, host_name="김다은",
            stream_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ", listings=[listing])
        db.session.commit()
        ids = {"session": session.id, "listing": listing.id}
    with serve(app) as url:
        yield {"url": url, **ids}


def open_session(browser, server, email: str, locale: str):
    context = browser.new_context(locale=locale, base_url=server["url"])
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"/login?next=/live/{server['session']}")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("main form #submit").click()
    page.wait_for_url(re.compile(rf"/live/{server['session']}$"))
    # The script has opened the event stream.
    page.wait_for_selector('#chat[data-connected="1"]')
    return context, page


@pytest.mark.e2e
def test_question_answer_pin_and_hide_between_two_browsers(chat_server, browser):
    from playwright.sync_api import expect

    viewer_context, viewer = open_session(browser, chat_server, "buyer@live.test", "en-US")
    host_context, host = open_session(browser, chat_server, "host@live.test", "ko-KR")
    try:
        expect(viewer.locator("html")).to_have_attribute("lang", "en")
        expect(host.locator("html")).to_have_attribute("lang", "ko")
        expect(viewer.locator(".live-frame iframe")).to_have_attribute(
            "src", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ")

        # The viewer asks; the host's page shows it without a reload.
        viewer.fill("#live-body", QUESTION)
        viewer.click("#live-send")
        expect(viewer.locator("#live-body")).to_have_value("")
        question = host.locator("#live-messages > .live-message", has_text=QUESTION)
        expect(question).to_be_visible()
        expect(question.locator(".kind-label")).to_have_text("질문")
        expect(question.locator(".author")).to_have_text("Kiwi Pantry")

        # The host answers and pins the answer; the viewer sees both.
        question.locator("summary").click()
        question.locator(".answer-form textarea").fill(ANSWER)
        question.locator(".answer-form button").click()
        answer = question.locator(".answers > .live-message", has_text=ANSWER)
        expect(answer).to_be_visible()
        answer.locator(".pin-form button").click()
        expect(answer.locator(".pin-form button")).to_have_text("고정 해제")

        seen = viewer.locator("#live-messages > .live-message", has_text=QUESTION)
        expect(seen.locator(".answers > .live-message", has_text=ANSWER)).to_be_visible()
        expect(seen.locator(".answers .role")).to_have_text("Host")
        expect(viewer.locator("#live-pinned li", has_text=ANSWER)).to_be_visible()

        # A message the host hides disappears from the viewer's page; a pinned product moves
        # to the top there.
        viewer.fill("#live-body", SPAM)
        viewer.click("#live-send")
        spam = host.locator(".live-message", has_text=SPAM)
        expect(spam).to_be_visible()
        spam.locator(".hide-form button").click()
        expect(spam).to_have_class(re.compile(r"\bis-hidden\b"))
        expect(viewer.locator(".live-message", has_text=SPAM)).to_have_count(0)
        host.locator(".listing-pin-form button").click()
        expect(viewer.locator(".live-product.is-pinned")).to_have_attribute(
            "data-listing-id", str(chat_server["listing"]))

        # What was said is still there after a reload (persisted), hidden text is not.
        viewer.reload()
        expect(viewer.locator(".answers > .live-message", has_text=ANSWER)).to_be_visible()
        expect(viewer.locator(".live-message", has_text=SPAM)).to_have_count(0)
    finally:
        viewer_context.close()
        host_context.close()
