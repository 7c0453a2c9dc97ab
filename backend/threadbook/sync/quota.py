"""Stay within Gmail's per-user quota with a token bucket of quota units per mailbox.

Gmail allows 15,000 quota units per user per minute (250 a second); each
method costs a fixed number of units (messages.get 5, history.list 2…). A
mailbox syncs in one worker at a time (the lease), so a bucket kept in that
worker's memory is the mailbox's whole spend.
"""

import threading
import time

# https://developers.google.com/gmail/api/reference/quota
UNITS = {
    "getProfile": 1,
    "watch": 100,
    "stop": 50,
    "labels.list": 1,
    "labels.create": 5,
    "messages.list": 5,
    "messages.get": 5,
    "messages.batchModify": 50,
    "messages.modify": 5,
    "history.list": 2,
    "threads.get": 10,
    "threads.modify": 10,
}


class TokenBucket:
    """Hand out ``rate`` units a second, with bursts up to ``capacity``; ``take`` waits when empty."""

    def __init__(self, rate, capacity=None, clock=time.monotonic, sleep=time.sleep):
        self.rate = float(rate)
        self.capacity = float(capacity if capacity is not None else rate * 5)
        self.clock = clock
        self.sleep = sleep
        self.tokens = self.capacity
        self.updated = clock()
        self.waited = 0.0
        self._lock = threading.Lock()

    def _refill(self):
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def take(self, units):
        """Spend ``units``, sleeping first for as long as the bucket needs to hold them."""
        if self.rate <= 0:
            return  # unlimited (benchmarks, tests)
        units = min(float(units), self.capacity)
        with self._lock:
            self._refill()
            shortfall = units - self.tokens
            if shortfall > 0:
                wait = shortfall / self.rate
                self.waited += wait
                self.sleep(wait)
                self._refill()
            self.tokens -= units


_buckets = {}
_buckets_lock = threading.Lock()


def bucket_for(mailbox_id, rate, capacity=None, sleep=time.sleep):
    """Return this process's bucket for a mailbox, made on first use."""
    with _buckets_lock:
        bucket = _buckets.get(mailbox_id)
        if bucket is None or bucket.rate != rate:
            bucket = _buckets[mailbox_id] = TokenBucket(rate, capacity, sleep=sleep)
        bucket.sleep = sleep  # the caller's (tests inject one that records instead of waiting)
        return bucket
