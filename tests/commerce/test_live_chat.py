"""The live Q&A: viewers ask, the host and supplier answer; pins, hiding, muting, rate limits."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.auth.models import Role
from app.commerce.live import services as live
from app.commerce.live.models import LiveEvent, LiveMessage
from app.core.db import utcnow
from app.core.errors import Forbidden, NotFound


@pytest.fixture
def chat(market, make_session, make_user):
    host = make_user(Role.SUPPLIER, company=market["company"])
    session = make_session(host=host)
    return {"session": session, "host": host, **market["users"]}


def kinds_of_events(session):
    from app.extensions import db

    return db.session.scalars(select(LiveEvent.kind).where(LiveEvent.session_id == session.id)
                              .order_by(LiveEvent.id)).all()


def test_viewers_ask_and_moderators_answer(chat, db):
    session = chat["session"]
    question = live.post_message(session, chat["buyer"], "  Is the kimchi vegan?  ")
    assert (question.kind, question.body, question.author_role) == \
        ("question", "Is the kimchi vegan?", "viewer")
    assert question.author_name == "Kiwi Imports Ltd"  # the buyer's company, never an e-mail
    answer = live.post_message(session, chat["supplier"], "Yes, no fish sauce.", question)
    assert (answer.kind, answer.reply_to_id, answer.author_role) == (
        "answer", question.id, "supplier")
    assert answer.author_name == "전라김치 (Jeolla Kimchi)"
    by_host = live.post_message(session, chat["host"], "Ask about our radish kimchi too!")
    assert (by_host.kind, by_host.author_role, by_host.author_name) == ("note", "host", "김호스트")
    by_organiser = live.post_message(session, chat["organiser"], "Welcome!")
    assert (by_organiser.kind, by_organiser.author_role) == ("note", "organiser")
    # Another supplier is a viewer here: it asks, it does not answer.
    other = live.post_message(session, chat["other_supplier"], "Do you export to Japan?")
    assert (other.kind, other.author_role, other.author_name) == \
        ("question", "viewer", "제주비누 (Jeju Soap)")
    with pytest.raises(live.AnswersOnly):
        live.post_message(session, chat["other_buyer"], "I know: yes.", question)
    assert kinds_of_events(session) == ["message"] * 5


def test_message_rules(chat, db, make_session, market):
    session = chat["session"]
    from flask_login import AnonymousUserMixin

    with pytest.raises(Forbidden):
        live.post_message(session, AnonymousUserMixin(), "Hello")
    for body in ("", "   ", "x" * 1001):
        with pytest.raises(live.InvalidMessage):
            live.post_message(session, chat["buyer"], body)
    question = live.post_message(session, chat["buyer"], "Price for 10 jars?")
    note = live.post_message(session, chat["supplier"], "Welcome")
    with pytest.raises(NotFound):  # answers go to questions
        live.post_message(session, chat["supplier"], "Answer to a note", note)
    elsewhere = make_session(title_ko="두 번째")
    with pytest.raises(NotFound):  # ... of the same session
        live.post_message(elsewhere, chat["supplier"], "Wrong session", question)


def test_pinning_and_hiding(chat, db):
    session = chat["session"]
    question = live.post_message(session, chat["buyer"], "Shelf life?")
    answer = live.post_message(session, chat["supplier"], "Six months, chilled.", question)
    for by in (chat["buyer"], chat["other_supplier"], chat["other_buyer"]):
        with pytest.raises(Forbidden):
            live.set_pinned(answer, by, True)
        with pytest.raises(Forbidden):
            live.set_hidden(question, by, True)
    live.set_pinned(answer, chat["host"], True)
    live.set_pinned(answer, chat["host"], True)  # no change, no event
    assert live.chat_view(session, moderator=False).pinned == [answer]
    live.set_hidden(answer, chat["organiser"], True)
    assert (answer.hidden, answer.pinned) == (True, False)
    with pytest.raises(live.DomainError, match="Show the message again"):
        live.set_pinned(answer, chat["supplier"], True)
    viewer = live.chat_view(session, moderator=False)
    assert viewer.threads == [(question, [])]
    assert viewer.pinned == []
    moderator = live.chat_view(session, moderator=True)
    assert moderator.threads == [(question, [answer])]
    live.set_hidden(answer, chat["supplier"], False)
    assert live.chat_view(session, moderator=False).threads == [(question, [answer])]
    assert kinds_of_events(session) == ["message", "message", "pin", "hide", "unhide"]


def test_muted_users_watch_but_do_not_post(chat, db):
    session = chat["session"]
    with pytest.raises(Forbidden):
        live.set_muted(session, chat["buyer"], chat["other_buyer"], True)
    with pytest.raises(live.CannotMuteModerator):
        live.set_muted(session, chat["host"], chat["organiser"], True)
    live.set_muted(session, chat["buyer"], chat["host"], True)
    assert live.is_muted(chat["buyer"], session)
    with pytest.raises(live.Muted):
        live.post_message(session, chat["buyer"], "Hello?")
    live.post_message(session, chat["other_buyer"], "Others still can.")
    assert live.chat_view(session, moderator=True).muted_user_ids == {chat["buyer"].id}
    live.set_muted(session, chat["buyer"], chat["supplier"], False)
    live.post_message(session, chat["buyer"], "Thanks!")
    assert kinds_of_events(session) == ["mute", "message", "unmute", "message"]


@pytest.fixture
def limit(app, monkeypatch):
    monkeypatch.setitem(app.config, "LIVE_CHAT_MAX_MESSAGES", 3)
    monkeypatch.setitem(app.config, "LIVE_CHAT_WINDOW_SECONDS", 60)


def test_rate_limit_per_user(chat, db, limit, make_session):
    session = chat["session"]
    for number in range(3):
        live.post_message(session, chat["buyer"], f"Question {number}")
    with pytest.raises(live.RateLimited) as refused:
        live.post_message(session, chat["buyer"], "One more")
    assert 55 <= refused.value.params["seconds"] <= 60
    # It counts the user's messages in every session, and nobody else's.
    with pytest.raises(live.RateLimited):
        live.post_message(make_session(title_ko="다른 세션"), chat["buyer"], "Elsewhere")
    live.post_message(session, chat["other_buyer"], "My first")
    # Moderators answer as fast as they need to.
    for number in range(5):
        live.post_message(session, chat["host"], f"Note {number}")
    # The oldest message leaves the window in 10 seconds.
    db.session.execute(update(LiveMessage).where(LiveMessage.user_id == chat["buyer"].id)
                       .values(created_at=utcnow() - timedelta(seconds=50)))
    with pytest.raises(live.RateLimited, match="in 10 seconds"):
        live.post_message(session, chat["buyer"], "Still too soon")
    db.session.execute(update(LiveMessage).where(LiveMessage.user_id == chat["buyer"].id)
                       .values(created_at=utcnow() - timedelta(seconds=61)))
    live.post_message(session, chat["buyer"], "Allowed again")


def test_rate_limit_and_mute_errors_are_translated(client, login, chat, db, limit):
    session = chat["session"]
    login(chat["buyer"])
    url = f"/live/{session.id}/messages"
    json = {"Accept": "application/json", "Accept-Language": "ko"}
    for number in range(3):
        response = client.post(url, data={"body": f"질문 {number}"}, headers=json)
        assert response.status_code == 200
        assert response.json["message"]["body"] == f"질문 {number}"
    refused = client.post(url, data={"body": "하나 더"}, headers=json)
    assert refused.status_code == 429
    assert "초 후에 다시" in refused.json["error"]
    # Without JavaScript: a flashed message on the session page.
    refused = client.post(url, data={"body": "one more"}, headers={"Accept-Language": "en",
                                                                   "Referer": f"http://localhost/live/{session.id}"})
    assert refused.status_code == 303
    page = client.get(f"/live/{session.id}", headers={"Accept-Language": "en"}).text
    assert "You are posting too fast. You can post again in" in page
    live.set_muted(session, chat["buyer"], chat["host"], True)
    db.session.commit()
    muted = client.post(url, data={"body": "안녕하세요"}, headers=json)
    assert muted.status_code == 403
    assert "음소거" in muted.json["error"]


def test_moderation_through_the_page(client, login, chat, db):
    session = chat["session"]
    question = live.post_message(session, chat["buyer"], "Halal?")
    db.session.commit()
    login(chat["host"])
    json = {"Accept": "application/json"}
    base = f"/live/{session.id}"
    answered = client.post(f"{base}/messages", data={"body": "Not yet.", "reply_to": question.id},
                           headers=json)
    assert answered.json["message"]["kind"] == "answer"
    answer_id = answered.json["message"]["id"]
    pinned = client.post(f"{base}/messages/{answer_id}/pin", data={"on": "1"}, headers=json)
    assert pinned.json["message"]["pinned"] is True
    listing_id = session.featured[0].listing_id
    assert client.post(f"{base}/pin-listing", data={"listing": listing_id},
                       headers=json).json["listing_id"] == listing_id
    muted = client.post(f"{base}/users/{chat['buyer'].id}/mute", data={"on": "1"}, headers=json)
    assert muted.json == {"ok": True, "muted": True, "user_id": chat["buyer"].id}
    hidden = client.post(f"{base}/messages/{question.id}/hide", data={"on": "1"})
    assert hidden.status_code == 302  # without JavaScript: back to the chat
    assert hidden.headers["Location"].endswith(f"{base}#chat")
    db.session.refresh(session)
    assert session.pinned_listing_id == listing_id
    assert kinds_of_events(session) == ["message", "message", "pin", "listing", "mute", "hide"]
    page = client.get(base).text  # moderators still see hidden messages, marked
    assert 'class="live-message kind-question is-hidden"' in page
    assert "Unmute author" in page
    client.post("/logout")
    login(chat["other_buyer"])
    page = client.get(base).text
    assert "Halal?" not in page
    assert "Not yet." in page  # the answer stays, on its own


def test_rate_limit_holds_for_simultaneous_posts(separate_database):
    """Six posts of one user at the same moment, in six threads with their own connections
    (as in six web workers), with room for three: exactly three are saved."""
    import threading
    from datetime import date

    from app.auth import services as auth_services
    from app.auth.models import User
    from app.buyers.models import Buyer
    from app.catalogue.models import Company
    from app.commerce.live.models import LiveSession
    from app.expo import events as setup
    from app.extensions import db as _db

    app = separate_database
    app.config.update(LIVE_CHAT_MAX_MESSAGES=3, LIVE_CHAT_WINDOW_SECONDS=60)
    with app.app_context():
        organiser = auth_services.create_user("o@example.com", "pw-long-enough", Role.ORGANISER)
        company = Company(supplier_ref="R1", name_ko="경쟁상사")
        buyer = Buyer(buyer_ref="RB1", company_name="Race Foods", country="NZ", language="en",
                      interests="Kimchi")
        _db.session.add_all([company, buyer])
        _db.session.flush()
        viewer = auth_services.create_user("v@example.com", "pw-long-enough", Role.BUYER,
                                           buyer_id=buyer.id)
        event = setup.create_event(organiser, name_ko="행사", name_en="Show",
                                   starts_on=date(2025, 10, 21), ends_on=date(2025, 10, 21))
        session = live.create_session(
            event, company, organiser, title_ko="라이브", title_en="", description_ko="",
            description_en="", starts_at=utcnow(), ends_at=utcnow() + timedelta(hours=1),
            host_user=None, host_name="", stream_url="", listings=[])
        _db.session.commit()
        ids = (session.id, viewer.id)
    start = threading.Barrier(6)
    outcomes = []

    def post(number: int) -> None:
        start.wait(timeout=30)
        with app.app_context():
            live_session = _db.session.get(LiveSession, ids[0])
            user = _db.session.get(User, ids[1])
            try:
                live.post_message(live_session, user, f"Message {number}")
                _db.session.commit()
                outcomes.append("saved")
            except live.RateLimited:
                _db.session.rollback()
                outcomes.append("refused")
            except Exception as error:  # reported by the assertion below
                _db.session.rollback()
                outcomes.append(repr(error)[:200])

    threads = [threading.Thread(target=post, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["refused"] * 3 + ["saved"] * 3
    with app.app_context():
        assert _db.session.scalar(select(func.count(LiveMessage.id))) == 3
