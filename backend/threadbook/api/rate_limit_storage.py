"""The rate-limit counters of one process (``threadbook-memory://``): limits' memory storage without a thread per call.

limits' ``MemoryStorage`` (``memory://``) sweeps expired counters from a
``threading.Timer`` that it starts, 10 ms ahead, whenever the last one has
fired: under steady traffic that is a new thread for nearly every API call
(0.1–0.3 ms of each lookup here, and a walk over every key each time). Expiry
does not need the sweep (``get`` drops an expired counter itself), so this
storage sweeps inline, at most once a second. Redis (``THREADBOOK_REDIS_URL``)
replaces it where counters are shared between processes.

The override names limits' private method, so limits is pinned
(requirements.txt) and tests/backend/api/test_rate_limit_storage.py fails
if an upgrade changes it.
"""

import time

from limits.storage import MemoryStorage

SCHEME = "threadbook-memory"


class SweepingMemoryStorage(MemoryStorage):
    STORAGE_SCHEME = [SCHEME]
    SWEEP_EVERY_SECONDS = 1.0

    def __init__(self, uri=None, wrap_exceptions=False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.timer.cancel()
        self._next_sweep = 0.0

    def _MemoryStorage__schedule_expiry(self):
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + self.SWEEP_EVERY_SECONDS
            self._MemoryStorage__expire_events()

    def __setstate__(self, state):
        super().__setstate__(state)
        self.timer.cancel()
