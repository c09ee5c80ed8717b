"""A meeting request form sent twice (a double click, a retry) asks once and says so once."""

import re

from sqlalchemy import func, select

from app.expo.models import MeetingRequest
from app.idempotency import FormSubmission


def test_a_meeting_request_sent_twice_asks_once(client, login, db, expo):
    login(expo["users"]["kiwi"])
    url = f"/events/{expo['event'].id}/request/{expo['kiwi'].id}/{expo['sauce'].id}"
    page = client.get(url).text
    key = re.search(r'name="submission"[^>]*value="([^"]+)"', page).group(1)
    for _attempt in range(2):
        response = client.post(url, data={"message": "Hello", "submission": key},
                               follow_redirects=True)
        assert "Meeting request sent." in response.text
        assert "already exists" not in response.text
    assert db.session.scalar(select(func.count()).select_from(MeetingRequest)) == 1
    assert db.session.get(FormSubmission, key) is not None
