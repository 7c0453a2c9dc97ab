"""Backoff with jitter and the per-mailbox quota bucket, with injected sleep and clock (nothing waits)."""

import pytest
from google.auth.exceptions import RefreshError

from threadbook.google.errors import GoogleApiError, InsufficientScope, NotFound, RateLimited, ReauthRequired, Unavailable
from threadbook.sync.backoff import Backoff, is_retryable
from threadbook.sync.quota import TokenBucket


class Flaky:
    def __init__(self, *errors):
        self.errors = list(errors)
        self.calls = 0

    def __call__(self):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def reauth(retryable):
    error = ReauthRequired("refresh failed", 401, "refresh_failed")
    error.__cause__ = RefreshError("boom", retryable=retryable)
    return error


@pytest.mark.parametrize(
    "error, retryable",
    [
        (RateLimited("slow down", 429, "rateLimitExceeded", 3), True),
        (Unavailable("backend", 503, "backendError"), True),
        (reauth(True), True),
        (reauth(False), False),
        (ReauthRequired("revoked", 401, "authError"), False),
        (NotFound("gone", 404, "notFound"), False),
        (InsufficientScope("scope", 403, "insufficientPermissions"), False),
        (GoogleApiError("bad", 400, "invalidArgument"), False),
        (ValueError("bug"), False),
    ],
)
def test_what_is_retried(error, retryable):
    assert is_retryable(error) == retryable


def test_delays_grow_exponentially_with_full_jitter_up_to_the_cap():
    sleeps = []
    backoff = Backoff(retries=7, base=1, cap=20, sleep=sleeps.append, rand=lambda: 1.0)
    flaky = Flaky(*[Unavailable("x", 500, "backendError")] * 7)
    assert backoff.call(flaky) == "ok"
    assert sleeps == [1, 2, 4, 8, 16, 20, 20]

    low = []
    Backoff(retries=3, sleep=low.append, rand=lambda: 0.25).call(Flaky(*[Unavailable("x", 503, "x")] * 3))
    assert low == [0.25, 0.5, 1.0]


def test_retry_after_is_a_floor_for_rate_limits():
    sleeps = []
    Backoff(retries=2, cap=30, sleep=sleeps.append, rand=lambda: 0.0).call(Flaky(RateLimited("x", 429, "r", retry_after=9)))
    assert sleeps == [9]


def test_gives_up_after_the_retries():
    sleeps = []
    error = RateLimited("x", 429, "r", 1)
    flaky = Flaky(*[error] * 10)
    with pytest.raises(RateLimited):
        Backoff(retries=3, sleep=sleeps.append, rand=lambda: 0.5).call(flaky)
    assert flaky.calls == 4 and len(sleeps) == 3


def test_permanent_errors_are_not_retried():
    flaky = Flaky(NotFound("gone", 404, "notFound"))
    with pytest.raises(NotFound):
        Backoff(sleep=lambda s: pytest.fail("slept")).call(flaky)
    assert flaky.calls == 1


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_bucket_allows_a_burst_then_paces():
    clock = Clock()
    bucket = TokenBucket(rate=250, capacity=1000, clock=clock, sleep=clock.sleep)
    for _ in range(200):
        bucket.take(5)  # a 1,000-unit burst
    assert clock.now == 100.0
    bucket.take(500)
    assert clock.now == pytest.approx(102.0)  # 500 units at 250 a second
    clock.now += 10  # idle: refills, but never beyond capacity
    bucket.take(1000)
    assert clock.now == pytest.approx(112.0)
    bucket.take(250)
    assert clock.now == pytest.approx(113.0)


def test_bucket_with_rate_zero_is_unlimited():
    clock = Clock()
    bucket = TokenBucket(rate=0, clock=clock, sleep=clock.sleep)
    for _ in range(1000):
        bucket.take(50)
    assert clock.now == 100.0
