"""Server-Sent Events: the stream yields posted messages, replays what a reconnecting client
missed (Last-Event-ID), hides hidden messages from viewers, keeps alive and ends; the brokers
fan out within a process and, through a real Redis server, between workers."""

import json
import shutil
import socket
import subprocess
import threading
import time

import pytest

from app.commerce.live import broker as brokers
from app.commerce.live import services as live
from app.commerce.live.stream import message_data


def events_in(chunks: list[bytes]) -> list[dict]:
    """The events of the stream's chunks, as {"id", "event", "data"}."""
    events = []
    for block in b"".join(chunks).decode().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines()
                      if line and not line.startswith(":") and ": " in line)
        if "data" in fields:
            events.append({"id": int(fields["id"]), "event": fields["event"],
                           "data": json.loads(fields["data"])})
    return events


def open_stream(client, session, after=None, last_event_id=None):
    url = f"/live/{session.id}/events" + (f"?after={after}" if after is not None else "")
    headers = {"Last-Event-ID": str(last_event_id)} if last_event_id is not None else {}
    response = client.get(url, headers=headers, buffered=False)
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    assert response.headers["Cache-Control"].startswith("no-cache")
    return response, iter(response.response)


@pytest.fixture
def chat(market, make_session, db):
    return {"session": make_session(), **market["users"]}


def test_stream_yields_a_message_posted_after_it_opened(client, chat, db):
    session = chat["session"]
    response, chunks = open_stream(client, session, after=0)
    assert next(chunks) == b"retry: 2000\n\n"
    question = live.post_message(session, chat["buyer"], "포장 단위가 어떻게 되나요?")
    db.session.commit()  # published after the commit, not before
    [event] = events_in([next(chunks)])
    assert event["event"] == "message"
    assert event["data"]["message"] == message_data(question)
    assert event["data"]["message"]["body"] == "포장 단위가 어떻게 되나요?"
    live.set_pinned(question, chat["supplier"], True)
    db.session.commit()
    [pin] = events_in([next(chunks)])
    assert (pin["event"], pin["data"]["message"]["pinned"]) == ("pin", True)
    assert pin["id"] > event["id"]
    response.close()


def test_nothing_is_published_for_a_rolled_back_change(chat, db, app):
    session = chat["session"]
    subscription = brokers.get_broker(app).subscribe(brokers.channel_of(session.id))
    try:
        savepoint = db.session.begin_nested()
        live.post_message(session, chat["buyer"], "Undone")
        savepoint.rollback()
        live.post_message(session, chat["buyer"], "Kept")
        assert subscription.get(timeout=0) == []  # not before the commit
        db.session.commit()
        assert [json.loads(raw)["message"]["body"] for raw in subscription.get(timeout=1)] == \
            ["Kept"]
        live.post_message(session, chat["buyer"], "Never committed")
        db.session.rollback()  # as the error handler does when a request fails
        db.session.commit()
        assert subscription.get(timeout=0.2) == []
    finally:
        subscription.close()


def test_reconnecting_client_gets_what_it_missed(client, chat, db, app, monkeypatch):
    monkeypatch.setitem(app.config, "LIVE_STREAM_SECONDS", 0)  # backlog only, then the end
    session = chat["session"]
    first = live.post_message(session, chat["buyer"], "First")
    hidden = live.post_message(session, chat["other_buyer"], "Spam spam spam")
    answer = live.post_message(session, chat["supplier"], "Answer", first)
    live.set_hidden(hidden, chat["organiser"], True)
    db.session.commit()
    _response, chunks = open_stream(client, session, after=0)
    everything = events_in(list(chunks))
    assert [(e["event"], e["data"].get("message", {}).get("body")) for e in everything] == [
        ("message", "First"), ("message", "Answer"), ("hide", None)]
    assert everything[-1]["data"]["message_id"] == hidden.id  # a hide carries no text
    # The browser sends the id of the last event it got: only later ones come.
    _response, chunks = open_stream(client, session, after=0,
                                    last_event_id=everything[0]["id"])
    assert [e["data"].get("message", {}).get("id") for e in events_in(list(chunks))] == [
        answer.id, None]
    # Moderators get hidden messages too, marked hidden, for their own view.
    from tests.conftest import PASSWORD

    client.post("/login", data={"email": chat["organiser"].email, "password": PASSWORD})
    _response, chunks = open_stream(client, session, after=0)
    bodies = [(e["data"]["message"]["body"], e["data"]["message"]["hidden"])
              for e in events_in(list(chunks)) if "message" in e["data"]]
    assert ("Spam spam spam", True) in bodies


def test_keep_alive_comments_and_the_end_of_a_stream(client, chat, app, monkeypatch):
    monkeypatch.setitem(app.config, "LIVE_KEEPALIVE_SECONDS", 0.05)
    monkeypatch.setitem(app.config, "LIVE_STREAM_SECONDS", 0.5)
    _response, chunks = open_stream(client, chat["session"])
    rest = list(chunks)  # ends on its own: the browser reconnects with Last-Event-ID
    assert rest[0] == b"retry: 2000\n\n"
    assert b": keep-alive\n\n" in rest


def test_the_page_tells_the_script_where_to_resume(client, chat, db):
    session = chat["session"]
    live.post_message(session, chat["buyer"], "Hello")
    db.session.commit()
    page = client.get(f"/live/{session.id}").text
    from app.commerce.live.stream import last_event_id

    assert f'data-after="{last_event_id(session)}"' in page
    assert f'data-stream="/live/{session.id}/events"' in page


def test_local_broker_delivers_to_each_subscriber_of_a_channel():
    broker = brokers.LocalBroker()
    one, two, other = (broker.subscribe("a"), broker.subscribe("a"), broker.subscribe("b"))
    got = []
    waiter = threading.Thread(target=lambda: got.extend(one.get(timeout=5)))
    waiter.start()
    broker.publish("a", "hello")
    waiter.join()
    assert got == ["hello"]
    assert two.get(timeout=0) == ["hello"]
    assert other.get(timeout=0) == []
    one.close()
    broker.publish("a", "again")
    assert one.get(timeout=0) == []
    assert two.get(timeout=0) == ["again"]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    """A Redis server of this test module's own, on a free port."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path_factory.mktemp("redis"))], stdout=subprocess.DEVNULL)
    import redis

    client = redis.Redis(port=port)
    for _attempt in range(50):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.1)
    client.close()
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


def test_redis_broker_delivers_between_workers(redis_url):
    """Two brokers stand for two gunicorn workers: each has its own Redis connection."""
    worker_a, worker_b = brokers.RedisBroker(redis_url), brokers.RedisBroker(redis_url)
    try:
        on_a = worker_a.subscribe(brokers.channel_of(7))
        on_b = worker_b.subscribe(brokers.channel_of(7))
        elsewhere = worker_b.subscribe(brokers.channel_of(8))
        worker_b.publish(brokers.channel_of(7), '{"id": 1}')
        assert on_a.get(timeout=5) == ['{"id": 1}']
        assert on_b.get(timeout=5) == ['{"id": 1}']
        assert elsewhere.get(timeout=0.2) == []
    finally:
        worker_a.close()
        worker_b.close()


def test_a_committed_message_reaches_another_worker_through_redis(chat, db, app, redis_url,
                                                                  monkeypatch):
    this_worker, other_worker = brokers.RedisBroker(redis_url), brokers.RedisBroker(redis_url)
    monkeypatch.setitem(app.extensions, "live_broker", this_worker)
    try:
        session = chat["session"]
        subscription = other_worker.subscribe(brokers.channel_of(session.id))
        live.post_message(session, chat["buyer"], "Through Redis")
        db.session.commit()
        [raw] = subscription.get(timeout=5)
        assert json.loads(raw)["message"]["body"] == "Through Redis"
    finally:
        this_worker.close()
        other_worker.close()
