"""Session reports from known data, transcripts (read back with openpyxl), and a buyer's
question turned into a meeting request with the session's supplier."""

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from app.buyers.models import Buyer
from app.commerce.live import reports as live_reports
from app.commerce.live import services as live
from app.commerce.market import orders
from app.commerce.market.models import MarketOrder
from app.core.db import utcnow
from app.core.errors import Forbidden
from app.expo.models import MeetingRequest
from app.expo.participation import registration_of


@pytest.fixture
def sold(market, make_session, make_listing, db):
    """A session featuring kimchi (12,000 won) and radish kimchi (9,000 won); soap is sold by
    another supplier and not featured. Orders during the session: picked up, waiting,
    cancelled; one kimchi order the day before does not count."""
    buyer, organiser = market["users"]["buyer"], market["users"]["organiser"]
    kimchi = make_listing(price_krw=12_000, stock=50)
    radish = make_listing(market["radish"], price_krw=9_000, stock=50)
    soap = make_listing(market["soap"], company=market["soap_maker"], price_krw=8_500,
                        category="beauty_health")
    session = make_session(listings=[kimchi, radish])
    before = orders.place_order(kimchi, buyer, 7)
    db.session.execute(update(MarketOrder).where(MarketOrder.id == before.id)
                       .values(created_at=utcnow() - timedelta(days=1)))
    for listing, quantity, fate in [(kimchi, 2, "fulfil"), (kimchi, 1, "open"),
                                    (kimchi, 4, "cancel"), (radish, 3, "fulfil"),
                                    (soap, 5, "fulfil")]:
        order = orders.place_order(listing, market["users"]["other_buyer"], quantity)
        if fate == "fulfil":
            orders.fulfil_order(order, organiser)
        elif fate == "cancel":
            orders.cancel_order(order, organiser)
    question = live.post_message(session, buyer, "Vegan?")
    live.post_message(session, market["users"]["supplier"], "Yes.", question)
    live.post_message(session, organiser, "Welcome to the show")
    spam = live.post_message(session, market["users"]["other_buyer"], "=HYPERLINK(\"x\")")
    live.set_hidden(spam, organiser, True)
    db.session.commit()
    return {**market, "session": session, "kimchi_listing": kimchi, "radish_listing": radish,
            "question": question}


def test_session_report(sold, client, login, db):
    session, users = sold["session"], sold["users"]
    login(users["buyer"])
    client.get(f"/live/{session.id}")
    client.get(f"/live/{session.id}")  # the same viewer twice
    client.post("/logout")
    client.get(f"/live/{session.id}")  # an anonymous visitor
    live_reports.record_viewer(session, users["supplier"], None)
    report = live_reports.session_report(session, users["supplier"])
    assert (report.viewers, report.signed_in_viewers) == (3, 2)
    assert report.messages == {"question": 2, "answer": 1, "note": 1}
    assert (report.total_messages, report.hidden) == (4, 1)
    sales = report.sales
    assert (sales.orders, sales.units, sales.revenue_krw) == (2, 5, 2 * 12_000 + 3 * 9_000)
    assert (sales.open_orders, sales.open_value_krw) == (1, 12_000)
    assert [(listing.id, row.revenue_krw) for listing, row in report.per_listing] == [
        (sold["kimchi_listing"].id, 24_000), (sold["radish_listing"].id, 27_000)]
    with pytest.raises(Forbidden):
        live_reports.session_report(session, users["other_supplier"])
    login(users["organiser"])
    page = client.get(f"/live/{session.id}/report", headers={"Accept-Language": "ko"}).text
    assert "₩51,000" in page
    assert "₩12,000" in page
    assert f'href="/companies/{sold["company"].id}/market"' in page  # the supplier's sales


def test_transcript_xlsx_and_csv(sold, client, login):
    session = sold["session"]
    login(sold["users"]["supplier"])
    response = client.get(f"/live/{session.id}/transcript.xlsx")
    assert response.status_code == 200
    assert f'filename="live-{session.id}-transcript.xlsx"' in response.headers[
        "Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == live_reports.TRANSCRIPT_COLUMNS
    assert [(row[2], row[3], row[6], row[7]) for row in rows[1:]] == [
        ("question", "Kiwi Imports Ltd", "Vegan?", "no"),
        ("answer", "전라김치 (Jeolla Kimchi)", "Yes.", "no"),
        ("note", None, "Welcome to the show", "no"),
        ("question", "Kiwi Imports Ltd", "'=HYPERLINK(\"x\")", "yes")]
    assert rows[2][5] == str(sold["question"].id)
    assert rows[1][1].startswith("20")
    assert rows[1][1].endswith("+09:00")
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    transcript = client.get(f"/live/{session.id}/transcript.csv")
    assert transcript.data.startswith(b"\xef\xbb\xbf")  # Korean Excel reads it as UTF-8
    assert transcript.headers["Content-Type"] == "text/csv; charset=utf-8"
    text = transcript.data.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[-1][6] == "'=HYPERLINK(\"x\")"  # never a formula in a spreadsheet


def test_question_becomes_a_meeting_request(sold, client, login, db):
    session, users = sold["session"], sold["users"]
    question = sold["question"]
    buyer = users["buyer"]
    profile = db.session.get(Buyer, buyer.buyer_id)
    assert registration_of(session.event, buyer=profile) is None
    login(buyer)
    url = f"/live/{session.id}/messages/{question.id}/meeting-request"
    page = client.get(f"/live/{session.id}").text
    assert f'href="{url}"' in page  # on the buyer's own question
    form = client.get(url, headers={"Accept-Language": "en"}).text
    assert "Kimchi live" in form
    assert "Vegan?" in form
    response = client.post(url, data={"message": "In your live session I asked: Vegan?"})
    assert response.status_code == 302, response.text
    assert response.headers["Location"].endswith(f"/events/{session.event_id}/requests")
    request = db.session.scalar(select(MeetingRequest))
    assert (request.event_id, request.company_id, request.buyer_id, request.requested_by) == (
        session.event_id, session.company_id, buyer.buyer_id, "buyer")
    assert request.message == "In your live session I asked: Vegan?"
    # Registered for the event on the way, and not listed publicly.
    assert registration_of(session.event, buyer=profile).public is False
    again = client.post(url, data={"message": "Again"}, headers={"Accept": "application/json"})
    assert again.status_code == 409  # the expo's rules apply: one request per pair


def test_only_the_asking_buyer_turns_a_question_into_a_request(sold, client, login, db):
    session, users = sold["session"], sold["users"]
    url = f"/live/{session.id}/messages/{sold['question'].id}/meeting-request"
    for role in ("other_buyer", "supplier", "other_supplier"):
        login(users[role])
        assert client.get(url).status_code == 403
        assert client.post(url, data={"message": "x"}).status_code == 403
        client.post("/logout")
    answer = db.session.scalar(select(live.LiveMessage).where(
        live.LiveMessage.kind == "answer"))
    login(users["supplier"])
    with pytest.raises(Forbidden):
        live_reports.check_can_request(answer, users["supplier"])
    live.set_hidden(sold["question"], users["organiser"], True)
    with pytest.raises(Forbidden):  # a hidden question is not turned into anything
        live_reports.check_can_request(sold["question"], users["buyer"])
