"""Fetch Google's token-signing certificates through a cache that honours Cache-Control.

``CachingRequest`` is a google-auth transport (``google.auth.transport.Request``)
that answers a GET from memory while the last successful answer is fresh, so
``google.oauth2.id_token.verify_token`` does not fetch certificates on every
sign-in. Freshness comes from the response: ``Cache-Control: max-age`` less
``Age``; ``no-store``/``no-cache`` mean "do not keep"; without either header a
short heuristic lifetime applies. Failures are never cached and never served
stale: a certificate endpoint that is down is reported, not papered over.
"""

import email.utils
import threading
import time

import requests
from google.auth import exceptions, transport

FETCH_TIMEOUT_SECONDS = 5
# Without any caching headers, keep an answer this long (HTTP allows a heuristic).
HEURISTIC_LIFETIME_SECONDS = 60
# Never trust an answer for longer than this, whatever the headers say.
MAX_LIFETIME_SECONDS = 24 * 3600


class CachedResponse(transport.Response):
    """A response held in memory: status, headers and body."""

    def __init__(self, status, headers, data):
        self._status = status
        self._headers = dict(headers)
        self._data = data

    @property
    def status(self):
        return self._status

    @property
    def headers(self):
        return self._headers

    @property
    def data(self):
        return self._data


def freshness_lifetime(headers, now=None):
    """Return how many seconds a response with these headers may be reused (0: not at all)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    directives = {}
    for part in lowered.get("cache-control", "").split(","):
        name, _, value = part.strip().partition("=")
        if name:
            directives[name.lower()] = value.strip().strip('"')
    if "no-store" in directives or "no-cache" in directives:
        return 0
    age = _int(lowered.get("age"), 0)
    if "max-age" in directives:
        lifetime = _int(directives["max-age"], 0) - age
    elif "expires" in lowered:
        expires = _http_date(lowered["expires"])
        date = _http_date(lowered.get("date")) or (now if now is not None else time.time())
        lifetime = (expires - date) if expires is not None else 0
    else:
        lifetime = HEURISTIC_LIFETIME_SECONDS
    return max(0, min(int(lifetime), MAX_LIFETIME_SECONDS))


def _int(value, default):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _http_date(value):
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None


class CachingRequest(transport.Request):
    """A google-auth transport whose GETs are cached per URL as their headers allow.

    Thread-safe: concurrent sign-ins with a cold cache wait for one fetch.
    ``fetch_count`` counts requests that went to the network.
    """

    def __init__(self, session=None, timeout=FETCH_TIMEOUT_SECONDS, clock=time.monotonic):
        self._session = session or requests.Session()
        self._timeout = timeout
        self._clock = clock
        self._cache = {}  # url -> (response, fresh_until, fetched_at)
        self._lock = threading.Lock()
        self.fetch_count = 0

    def __call__(self, url, method="GET", body=None, headers=None, timeout=None, **kwargs):
        if method.upper() != "GET":
            return self._fetch(url, method, body, headers, timeout, **kwargs)
        cached = self._fresh(url)
        if cached is not None:
            return cached
        with self._lock:
            cached = self._fresh(url)  # another thread may have fetched meanwhile
            if cached is not None:
                return cached
            response = self._fetch(url, "GET", body, headers, timeout, **kwargs)
            if response.status == 200:
                lifetime = freshness_lifetime(response.headers)
                if lifetime > 0:
                    now = self._clock()
                    self._cache[url] = (response, now + lifetime, now)
            return response

    def age(self, url):
        """Seconds since the cached answer for ``url`` was fetched, or None."""
        entry = self._cache.get(url)
        return None if entry is None else self._clock() - entry[2]

    def invalidate(self, url):
        """Forget the cached answer for ``url`` so the next GET fetches it."""
        with self._lock:
            self._cache.pop(url, None)

    def _fresh(self, url):
        entry = self._cache.get(url)
        if entry is not None and self._clock() < entry[1]:
            return entry[0]
        return None

    def _fetch(self, url, method, body, headers, timeout, **kwargs):
        self.fetch_count += 1
        try:
            answer = self._session.request(method, url, data=body, headers=headers, timeout=timeout or self._timeout, **kwargs)
        except requests.RequestException as exc:
            raise exceptions.TransportError(f"{url} did not answer ({exc.__class__.__name__})") from exc
        return CachedResponse(answer.status_code, answer.headers, answer.content)
