"""The in-process rate-limit storage (api/rate_limit_storage.py): limits' counting, without a thread per call."""

import threading
import time

from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from threadbook.api.rate_limit_storage import SweepingMemoryStorage


def test_it_limits_and_a_window_ends_as_limits_memory_storage_does():
    storage = storage_from_string("threadbook-memory://")
    assert isinstance(storage, SweepingMemoryStorage)
    limiter, two_a_second = FixedWindowRateLimiter(storage), RateLimitItemPerSecond(2)

    assert [limiter.hit(two_a_second, "address", "1.2.3.4") for _ in range(3)] == [True, True, False]
    assert limiter.hit(two_a_second, "address", "5.6.7.8")  # another key, its own count

    time.sleep(1.1)
    assert limiter.hit(two_a_second, "address", "1.2.3.4")


def test_counting_starts_no_thread_and_expired_counters_are_swept():
    storage = SweepingMemoryStorage()
    limiter, one_a_second = FixedWindowRateLimiter(storage), RateLimitItemPerSecond(1)
    before = threading.active_count()

    for n in range(200):
        limiter.hit(one_a_second, "user", str(n))

    assert threading.active_count() <= before  # limits' own storage starts a Timer thread whenever the last one fired
    time.sleep(1.1)
    storage._next_sweep = 0.0
    limiter.hit(one_a_second, "user", "late")
    assert len(storage.storage) == 1 and "late" in next(iter(storage.storage))  # the 200 expired counters are gone
