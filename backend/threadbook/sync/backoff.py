"""Retry Gmail calls that fail transiently, with exponential backoff and full jitter.

Retried: ``RateLimited`` (429, or 403 with a rate-limit reason), ``Unavailable``
(5xx, network errors) and a token refresh that Google marked retryable.
``Retry-After`` sets a floor on the wait for rate limits. Retries are bounded,
and ``sleep`` is injectable so tests never wait.
"""

import logging
import random
import time

from threadbook.google.errors import RateLimited, ReauthRequired, Unavailable

log = logging.getLogger(__name__)


def is_retryable(exc):
    if isinstance(exc, (RateLimited, Unavailable)):
        return True
    if isinstance(exc, ReauthRequired):
        # google-auth marks a refresh that failed on a 5xx/timeout as retryable; a revoked grant is not.
        return bool(getattr(exc.__cause__, "retryable", False))
    return False


class Backoff:
    """Call a function, retrying transient failures up to ``retries`` times.

    The delay before retry n (0-based) is uniform in [0, min(cap, base * 2**n)]
    ("full jitter"), so workers that hit one limit together spread out
    instead of retrying in step.
    """

    def __init__(self, retries=5, base=1.0, cap=32.0, sleep=time.sleep, rand=random.random):
        self.retries = retries
        self.base = base
        self.cap = cap
        self.sleep = sleep
        self.rand = rand
        self.retried = 0  # retries made through this object, for reports and tests
        self.slept = 0.0

    def delay(self, attempt, exc=None):
        wait = self.rand() * min(self.cap, self.base * (2**attempt))
        if isinstance(exc, RateLimited) and exc.retry_after:
            wait = max(wait, min(self.cap, float(exc.retry_after)))
        return wait

    def pause(self, attempt, exc):
        """Wait before retry number ``attempt`` after ``exc``, or raise ``exc`` when it may not be retried."""
        if attempt >= self.retries or not is_retryable(exc):
            raise exc
        wait = self.delay(attempt, exc)
        log.info("Gmail: %s (%s); retry %d of %d in %.2fs", exc.__class__.__name__, getattr(exc, "status", None), attempt + 1, self.retries, wait)
        self.sleep(wait)
        self.slept += wait
        self.retried += 1

    def call(self, fn, *args, **kwargs):
        attempt = 0
        while True:
            try:
                return fn(*args, **kwargs)
            except Exception as exc:
                if attempt >= self.retries or not is_retryable(exc):
                    raise
                self.pause(attempt, exc)
                attempt += 1
