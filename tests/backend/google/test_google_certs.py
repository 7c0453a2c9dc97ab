"""The certificate cache: how long an answer may be reused, and that it is reused."""

import threading

import pytest
from google.auth import exceptions

from threadbook.google.certs import HEURISTIC_LIFETIME_SECONDS, MAX_LIFETIME_SECONDS, CachingRequest, freshness_lifetime

from ...fakes.server import ServerThread


@pytest.mark.parametrize(
    "headers, seconds",
    [
        ({"Cache-Control": "public, max-age=21600, must-revalidate, no-transform"}, 21600),
        ({"cache-control": "max-age=100", "Age": "40"}, 60),
        ({"Cache-Control": "max-age=100", "Age": "400"}, 0),
        ({"Cache-Control": 'max-age="30"'}, 30),
        ({"Cache-Control": "no-store"}, 0),
        ({"Cache-Control": "no-cache, max-age=600"}, 0),
        ({"Cache-Control": "max-age=nonsense"}, 0),
        ({"Cache-Control": "max-age=99999999"}, MAX_LIFETIME_SECONDS),
        ({"Expires": "Thu, 01 Jan 2026 01:00:00 GMT", "Date": "Thu, 01 Jan 2026 00:00:00 GMT"}, 3600),
        ({"Expires": "0"}, 0),
        ({}, HEURISTIC_LIFETIME_SECONDS),
    ],
)
def test_freshness_lifetime(headers, seconds):
    assert freshness_lifetime(headers) == seconds


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def certs(google_identity):
    with ServerThread(google_identity.app) as server:
        yield server.url + "/oauth2/v1/certs"


def test_a_fresh_answer_is_reused_until_it_expires(google_identity, certs):
    google_identity.cache_control = "max-age=300"
    clock = Clock()
    request = CachingRequest(clock=clock)
    first = request(certs)
    assert first.status == 200
    assert google_identity.kid in first.data.decode()
    assert request(certs) is first
    clock.now += 299
    request(certs)
    assert google_identity.cert_fetches == 1 == request.fetch_count
    clock.now += 2
    request(certs)
    assert google_identity.cert_fetches == 2


def test_concurrent_cold_requests_fetch_once(google_identity, certs):
    request = CachingRequest()
    threads = [threading.Thread(target=request, args=(certs,)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert google_identity.cert_fetches == 1


def test_errors_are_returned_but_not_kept(google_identity, certs):
    request = CachingRequest()
    google_identity.certs_down = True
    assert request(certs).status == 503
    google_identity.certs_down = False
    assert request(certs).status == 200
    assert google_identity.cert_fetches == 2


def test_a_dead_endpoint_is_a_transport_error():
    with pytest.raises(exceptions.TransportError):
        CachingRequest(timeout=2)("http://127.0.0.1:9/oauth2/v1/certs")
