"""Meeting requests: asking, answering, limits, expiry, reminders, declines, proposals."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core.db import utcnow
from app.core.errors import Forbidden
from app.expo import meeting_requests as requests
from app.expo.errors import DuplicateRequest, NotRegistered, RequestClosed, RequestLimitReached
from app.expo.models import MeetingRequest, Notification


def test_buyer_requests_and_supplier_accepts(expo, db):
    kiwi, noodle = expo["kiwi"], expo["noodle"]
    request = requests.request_meeting(expo["event"], kiwi, noodle, expo["users"]["kiwi"],
                                       "We import rice noodles.")
    assert request.status == "pending"
    assert request.expires_at > utcnow() + timedelta(hours=71)
    notified = db.session.scalars(select(Notification.user_id).where(
        Notification.kind == "request_received")).all()
    assert notified == [expo["users"]["noodle"].id]
    with pytest.raises(Forbidden):  # the asker does not answer its own request
        requests.respond(request, expo["users"]["kiwi"], accept=True)
    with pytest.raises(Forbidden):  # nor does another supplier
        requests.respond(request, expo["users"]["sauce"], accept=True)
    requests.respond(request, expo["users"]["noodle"], accept=True)
    assert request.status == "accepted"
    with pytest.raises(RequestClosed):
        requests.respond(request, expo["users"]["noodle"], accept=False)
    with pytest.raises(DuplicateRequest):
        requests.request_meeting(expo["event"], kiwi, noodle, expo["users"]["kiwi"])


def test_limit_per_participant_and_registration_needed(expo, db, make_company):
    event, kiwi = expo["event"], expo["kiwi"]
    event.max_requests = 1
    requests.request_meeting(event, kiwi, expo["noodle"], expo["users"]["kiwi"])
    with pytest.raises(RequestLimitReached, match="limit of 1"):
        requests.request_meeting(event, kiwi, expo["sauce"], expo["users"]["kiwi"])
    with pytest.raises(NotRegistered):
        requests.request_meeting(event, expo["hanoi"], make_company(name_ko="미등록"),
                                 expo["users"]["organiser"])


def test_auto_accept(expo):
    expo["event"].auto_accept = True
    request = requests.request_meeting(expo["event"], expo["kiwi"], expo["noodle"],
                                       expo["users"]["kiwi"])
    assert request.status == "accepted"


def test_pending_requests_expire_with_a_reminder_first(expo, db):
    request = requests.request_meeting(expo["event"], expo["kiwi"], expo["noodle"],
                                       expo["users"]["kiwi"])
    assert requests.expire_and_remind(utcnow()) == (0, 0)
    assert requests.expire_and_remind(request.expires_at - timedelta(hours=2)) == (0, 1)
    assert requests.expire_and_remind(request.expires_at - timedelta(hours=1)) == (0, 0)
    assert requests.expire_and_remind(request.expires_at + timedelta(minutes=1)) == (1, 0)
    assert request.status == "expired"
    reminders = db.session.scalars(select(Notification).where(
        Notification.kind == "request_expiring")).all()
    assert [n.user_id for n in reminders] == [expo["users"]["noodle"].id]
    again = requests.request_meeting(expo["event"], expo["kiwi"], expo["noodle"],
                                     expo["users"]["kiwi"])
    assert again.id == request.id
    assert again.status == "pending"


def test_decline_keeps_reason_and_lowers_the_pair(expo, db, matching):
    from app.matching.services import declined_companies

    request = requests.request_meeting(expo["event"], expo["kiwi"], expo["noodle"],
                                       expo["users"]["kiwi"])
    requests.respond(request, expo["users"]["noodle"], accept=False, reason="No capacity")
    assert (request.status, request.decline_reason) == ("declined", "No capacity")
    assert declined_companies(expo["kiwi"].id) == {expo["noodle"].id}


def test_pages_list_and_answer_requests(client, login, expo, db):
    request = requests.request_meeting(expo["event"], expo["kiwi"], expo["noodle"],
                                       expo["users"]["kiwi"], "Hello")
    db.session.commit()
    login(expo["users"]["noodle"])
    page = client.get(f"/events/{expo['event'].id}/requests", headers={"Accept-Language": "ko"})
    assert "Kiwi Pantry" in page.text
    assert "수락" in page.text
    response = client.post(f"/events/{expo['event'].id}/requests/{request.id}/answer",
                           data={"decline": "1", "reason": "Sorry"})
    assert response.status_code == 302
    assert db.session.get(MeetingRequest, request.id).status == "declined"


def test_organiser_proposals_from_published_prematching(expo, db, matching):
    from app.matching import services as matching_services

    run = matching_services.create_run(expo["users"]["organiser"], top=1)
    matching_services.publish_run(run, expo["users"]["organiser"])
    created = requests.propose_from_prematching(expo["event"], run, expo["users"]["organiser"])
    assert created == 2
    proposals = db.session.scalars(select(MeetingRequest)).all()
    assert {p.requested_by for p in proposals} == {"organiser"}
    assert all(p.priority >= 2.5 for p in proposals)  # organisers' picks weigh more


@pytest.mark.model
@pytest.mark.parametrize("language", ["en", "ko"])
def test_match_pages_show_requests_already_made(client, login, expo, db, matching, language):
    """A pair with a request shows its status instead of a second "Request a meeting"."""
    kiwi, noodle = expo["kiwi"], expo["noodle"]
    requests.request_meeting(expo["event"], kiwi, noodle, expo["users"]["kiwi"], "Rice noodles?")
    db.session.commit()
    headers = {"Accept-Language": language}
    login(expo["users"]["kiwi"])
    page = client.get(f"/buyers/{kiwi.id}/matches", headers=headers).text
    status = {"en": "Meeting requested at Test Expo: Pending",
              "ko": "테스트 엑스포 상담 요청: 대기 중"}
    assert status[language] in page
    new_request = f"/request/{kiwi.id}/{noodle.id}"
    assert new_request not in page
    assert f"/request/{kiwi.id}/{expo['sauce'].id}" in page  # not asked yet: still offered
    client.post("/logout")
    login(expo["users"]["noodle"])
    page = client.get(f"/companies/{noodle.id}/matches", headers=headers).text
    assert status[language] in page
    assert new_request not in page
