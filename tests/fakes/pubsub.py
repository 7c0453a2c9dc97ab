"""A fake Cloud Pub/Sub for Gmail push: topics, one push subscription each, and OIDC-signed deliveries.

Gmail's users.watch publishes ``{"emailAddress", "historyId"}`` to a topic
(fakes/gmail.py asks ``gmail_may_publish`` first, as Gmail's test message
does); the topic's push subscription POSTs Pub/Sub's envelope

    {"message": {"data": base64(json), "messageId", "message_id",
                 "publishTime", "publish_time", "attributes": {}},
     "subscription": "projects/<p>/subscriptions/<s>"}

to its endpoint with ``Authorization: Bearer <OIDC token>``, a Google-signed ID
token (here signed by the fake Google identity's key) whose ``aud`` is the
subscription's audience and whose ``email`` is its service account. Delivery
is asynchronous, on one thread, and retried with back-off while the endpoint
answers anything but 102/200/201/202/204, as Pub/Sub does.
"""

import base64
import datetime
import itertools
import json
import queue
import threading
import time
from dataclasses import dataclass, field

import requests

ACK_STATUSES = {102, 200, 201, 202, 204}
GMAIL_PUBLISHER = "gmail-api-push@system.gserviceaccount.com"


@dataclass
class PushSubscription:
    name: str
    endpoint: str
    audience: str
    service_account: str
    gmail_may_publish: bool = True


@dataclass
class Delivery:
    topic: str
    envelope: dict
    attempts: list = field(default_factory=list)  # HTTP status of each attempt (None: no answer)
    delivered_at: float | None = None

    @property
    def acknowledged(self):
        return bool(self.attempts) and self.attempts[-1] in ACK_STATUSES


class FakePubSub:
    """Topics with push subscriptions; ``publish`` queues a delivery, a thread makes it."""

    def __init__(self, identity, retry_delays=(0.1, 0.5, 1.0, 2.0)):
        self.identity = identity  # a FakeGoogleIdentity: its key signs the OIDC tokens
        self.retry_delays = retry_delays
        self.topics = {}
        self.deliveries = []
        self.published_at = {}  # message id -> time.time() when Gmail published it
        self._ids = itertools.count(7_000_000_000_000_001)
        self._lock = threading.Lock()
        self._queue = queue.Queue()
        self._thread = threading.Thread(target=self._deliver_forever, name="fake-pubsub", daemon=True)
        self._thread.start()

    def create_topic(self, topic, endpoint, audience, service_account, gmail_may_publish=True):
        """A topic with a push subscription to ``endpoint``; ``gmail_may_publish`` False: the publisher role was never granted."""
        name = topic.replace("/topics/", "/subscriptions/") + "-push"
        self.topics[topic] = PushSubscription(name, endpoint, audience, service_account, gmail_may_publish)

    def gmail_may_publish(self, topic):
        subscription = self.topics.get(topic)
        return subscription is not None and subscription.gmail_may_publish

    def publish(self, topic, data):
        """Publish ``data`` (a dict, sent as base64 JSON) to ``topic``; return the message id."""
        message_id = str(next(self._ids))
        now = datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        payload = base64.b64encode(json.dumps(data).encode()).decode()
        subscription = self.topics.get(topic)
        if subscription is None:
            return message_id  # no subscription: Pub/Sub keeps nothing
        envelope = {
            "message": {"data": payload, "messageId": message_id, "message_id": message_id, "publishTime": now, "publish_time": now, "attributes": {}},
            "subscription": subscription.name,
        }
        delivery = Delivery(topic, envelope)
        with self._lock:
            self.deliveries.append(delivery)
            self.published_at[message_id] = time.time()
        self._queue.put(delivery)
        return message_id

    def token_for(self, subscription):
        return self.identity.mint_id_token(
            aud=subscription.audience,
            azp="112233445566778899000",
            sub="112233445566778899000",
            email=subscription.service_account,
            email_verified=True,
            name=None,
            nonce=None,
            hd=None,
        )

    def wait_for(self, predicate, timeout=30.0):
        """Wait until ``predicate(deliveries)`` is true; return the deliveries (raise on timeout)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                deliveries = list(self.deliveries)
            if predicate(deliveries):
                return deliveries
            time.sleep(0.02)
        raise TimeoutError(f"Pub/Sub deliveries never got there: {[(d.topic, d.attempts) for d in self.deliveries]}")

    def _deliver_forever(self):
        while True:
            delivery = self._queue.get()
            subscription = self.topics.get(delivery.topic)
            if subscription is None:
                continue
            for delay in (0, *self.retry_delays):
                time.sleep(delay)
                status = self._post(subscription, delivery.envelope)
                delivery.attempts.append(status)
                if status in ACK_STATUSES:
                    delivery.delivered_at = time.time()
                    break

    def _post(self, subscription, envelope):
        headers = {"Authorization": "Bearer " + self.token_for(subscription), "Content-Type": "application/json", "User-Agent": "APIs-Google"}
        try:
            return requests.post(subscription.endpoint, json=envelope, headers=headers, timeout=30).status_code
        except requests.RequestException:
            return None
