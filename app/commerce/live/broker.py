"""Fan-out of live chat events to the open Server-Sent Events streams.

Two brokers with one interface: `publish(channel, data)` and `subscribe(channel)`, whose
subscription hands over what was published since, waiting up to a timeout.

- `LocalBroker`: one process (the development server, tests): a threading.Condition wakes the
  streams of that process.
- `RedisBroker` (REDIS_URL set): several gunicorn workers. Publishing goes to Redis pub/sub;
  each worker keeps one Redis connection and one listener thread that hands what arrives to
  its local streams, so a thousand viewers cost one Redis connection per worker, not a
  thousand.

Messages are persisted before they are published, so a lost publication (Redis restarting)
costs a delay, not a message: streams end after LIVE_STREAM_SECONDS and the browser reconnects
with Last-Event-ID, reading what it missed from the database.
"""

import threading
import time
from collections import deque

from flask import Flask, current_app

CHANNEL_PREFIX = "expomatch:live:"


def channel_of(session_id: int) -> str:
    return f"{CHANNEL_PREFIX}{session_id}"


class Subscription:
    """What one stream receives; `get()` waits until something arrives or `timeout` passes."""

    def __init__(self, broker: "LocalBroker", channel: str) -> None:
        self.broker, self.channel = broker, channel
        self.pending: deque[str] = deque()

    def get(self, timeout: float) -> list[str]:
        with self.broker.condition:
            self.broker.condition.wait_for(lambda: self.pending, timeout)
            items = list(self.pending)
            self.pending.clear()
        return items

    def close(self) -> None:
        self.broker.unsubscribe(self)

    def __enter__(self) -> "Subscription":
        return self

    def __exit__(self, *_exc) -> None:
        self.close()


class LocalBroker:
    """Delivers to the subscriptions of this process."""

    def __init__(self) -> None:
        self.condition = threading.Condition()
        self.subscriptions: dict[str, set[Subscription]] = {}

    def subscribe(self, channel: str) -> Subscription:
        subscription = Subscription(self, channel)
        with self.condition:
            self.subscriptions.setdefault(channel, set()).add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self.condition:
            listeners = self.subscriptions.get(subscription.channel, set())
            listeners.discard(subscription)
            if not listeners:
                self.subscriptions.pop(subscription.channel, None)

    def deliver(self, channel: str, data: str) -> None:
        with self.condition:
            for subscription in self.subscriptions.get(channel, ()):
                subscription.pending.append(data)
            self.condition.notify_all()

    def publish(self, channel: str, data: str) -> None:
        self.deliver(channel, data)

    def close(self) -> None:
        """Nothing to release: the streams end on their own."""


class RedisBroker(LocalBroker):
    """Publishes through Redis; one listener thread per process delivers to local streams."""

    def __init__(self, url: str, logger=None) -> None:
        import redis

        super().__init__()
        self.redis = redis.Redis.from_url(url)
        self.logger = logger
        self.listener: threading.Thread | None = None
        self.ready = threading.Event()
        self.stopping = threading.Event()
        self.start_lock = threading.Lock()

    def subscribe(self, channel: str) -> Subscription:
        self._start_listener()
        return super().subscribe(channel)

    def publish(self, channel: str, data: str) -> None:
        # Delivered locally by the listener thread, as it is to every other worker.
        self.redis.publish(channel, data)

    def _start_listener(self) -> None:
        with self.start_lock:
            if self.listener is None or not self.listener.is_alive():
                self.ready.clear()
                self.listener = threading.Thread(target=self._listen, daemon=True,
                                                 name="live-chat-redis-listener")
                self.listener.start()
        # A stream subscribes, then reads the backlog: the listener must be in place first.
        self.ready.wait(timeout=5)

    def _listen(self) -> None:
        import redis

        while not self.stopping.is_set():
            pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.psubscribe(f"{CHANNEL_PREFIX}*")
                # The subscription is confirmed by the first message read.
                pubsub.get_message(timeout=1)
                self.ready.set()
                while not self.stopping.is_set():
                    message = pubsub.get_message(timeout=1)
                    if message and message["type"] == "pmessage":
                        self.deliver(message["channel"].decode(), message["data"].decode())
            except redis.RedisError as error:
                if self.logger is not None:
                    self.logger.warning("live chat: Redis listener failed (%s); retrying", error)
                self.ready.set()  # streams fall back on their database catch-up
                time.sleep(1)
            finally:
                pubsub.close()

    def close(self) -> None:
        self.stopping.set()
        if self.listener is not None:
            self.listener.join(timeout=5)
        self.redis.close()


_creating = threading.Lock()


def get_broker(app: Flask | None = None) -> LocalBroker:
    """The app's broker, made on first use: Redis when REDIS_URL is set, else local."""
    app = app or current_app._get_current_object()
    broker = app.extensions.get("live_broker")
    if broker is None:
        with _creating:
            broker = app.extensions.get("live_broker")
            if broker is None:
                url = app.config.get("LIVE_CHAT_REDIS_URL")
                broker = RedisBroker(url, app.logger) if url else LocalBroker()
                app.extensions["live_broker"] = broker
    return broker

