"""CORS and rate limits, over real HTTP against the app served on a local port."""

import pytest
import requests

from ...conftest import build_app
from ...fakes.server import ServerThread

ALLOWED = "chrome-extension://jkepanmacpnmjgfgkefaagampdbnmmal"
OTHER = "https://evil.example"


@pytest.fixture
def serve(sqlite_url, tmp_path):
    """Serve a real app with the given settings; yield (server, app)."""
    servers = []

    def serve(**settings):
        settings.setdefault("GOOGLE_CERTS_URL", "http://127.0.0.1:9/certs")  # never Google itself
        app = build_app(sqlite_url, tmp_path, ALLOWED_ORIGINS=[ALLOWED], **settings)
        server = ServerThread(app).start()
        servers.append(server)
        return server, app

    yield serve
    for server in servers:
        server.stop()


def session_headers(app, user):
    from threadbook.identity.sessions import issue_session

    with app.app_context():
        token, _ = issue_session(user)
    return {"Authorization": f"Bearer {token}"}


def make_users(app, count):
    from threadbook.db import database
    from threadbook.models import Organization, User

    with app.app_context(), database.connection_context():
        org = Organization.create(name="Acme", domain="acme.example")
        return [User.create(org=org, google_sub=f"s{n}", email=f"u{n}@acme.example", email_normalized=f"u{n}@acme.example", role="admin") for n in range(count)]


class TestCors:
    def test_preflight_from_the_extension_is_allowed(self, serve):
        server, _ = serve()
        response = requests.options(
            server.url + "/api/v1/me",
            headers={"Origin": ALLOWED, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization,content-type"},
            timeout=5,
        )
        assert response.status_code == 200
        assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
        assert "authorization" in response.headers["Access-Control-Allow-Headers"].lower()
        assert "GET" in response.headers["Access-Control-Allow-Methods"]
        assert "Access-Control-Allow-Credentials" not in response.headers
        assert int(response.headers["Access-Control-Max-Age"]) > 0

    @pytest.mark.parametrize("origin", [OTHER, "chrome-extension://someotherextensionidaaaaaaaaaaaa", "null", ALLOWED + ".evil.example"])
    def test_other_origins_get_no_cors_headers(self, serve, origin):
        server, _ = serve()
        preflight = requests.options(
            server.url + "/api/v1/me",
            headers={"Origin": origin, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"},
            timeout=5,
        )
        assert not any(h.lower().startswith("access-control-allow") for h in preflight.headers)
        response = requests.get(server.url + "/api/v1/config", headers={"Origin": origin}, timeout=5)
        assert "Access-Control-Allow-Origin" not in response.headers

    def test_errors_carry_cors_headers_so_the_extension_can_read_them(self, serve):
        server, _ = serve()
        response = requests.get(server.url + "/api/v1/me", headers={"Origin": ALLOWED}, timeout=5)
        assert response.status_code == 401
        assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
        assert "retry-after" in response.headers["Access-Control-Expose-Headers"].lower()


class TestRateLimits:
    def test_hammering_sign_in_gets_429_with_retry_after(self, serve):
        server, _ = serve(RATELIMIT_ENABLED=True, RATELIMIT_SIGNIN="3 per minute", GOOGLE_CLIENT_IDS=["x"])
        statuses = [requests.post(server.url + "/api/v1/session", json={"id_token": "junk"}, timeout=5).status_code for _ in range(3)]
        assert statuses == [401, 401, 401]
        response = requests.post(server.url + "/api/v1/session", json={"id_token": "junk"}, headers={"Origin": ALLOWED}, timeout=5)
        assert response.status_code == 429
        assert 0 < int(response.headers["Retry-After"]) <= 60
        assert response.json()["error"] == "rate_limited"
        assert "sign-in" in response.json()["message"]
        assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
        # development sign-in shares the budget
        assert requests.post(server.url + "/api/v1/session/dev", json={"email": "a@b.example"}, timeout=5).status_code == 429
        # and the rest of the API is not affected
        assert requests.get(server.url + "/api/v1/config", timeout=5).status_code == 200

    def test_the_api_limit_is_per_user(self, serve):
        server, app = serve(RATELIMIT_ENABLED=True, RATELIMIT_API="4 per minute", RATELIMIT_API_ADDRESS="100 per minute")
        ada, bob = make_users(app, 2)
        ada_headers, bob_headers = session_headers(app, ada), session_headers(app, bob)
        statuses = [requests.get(server.url + "/api/v1/me", headers=ada_headers, timeout=5).status_code for _ in range(5)]
        assert statuses == [200, 200, 200, 200, 429]
        ok = requests.get(server.url + "/api/v1/me", headers=bob_headers, timeout=5)
        assert ok.status_code == 200
        assert "Retry-After" not in ok.headers  # only refusals say "wait"
        assert ok.headers["X-RateLimit-Limit"]

    def test_the_api_limit_is_per_address_too(self, serve):
        server, app = serve(RATELIMIT_ENABLED=True, RATELIMIT_API="100 per minute", RATELIMIT_API_ADDRESS="5 per minute")
        users = make_users(app, 5)
        statuses = [requests.get(server.url + "/api/v1/me", headers=session_headers(app, u), timeout=5).status_code for u in users]
        assert statuses == [200] * 5
        response = requests.get(server.url + "/api/v1/me", headers=session_headers(app, users[0]), timeout=5)
        assert response.status_code == 429
        assert int(response.headers["Retry-After"]) > 0

    def test_calls_without_a_session_count_against_the_address(self, serve):
        server, _ = serve(RATELIMIT_ENABLED=True, RATELIMIT_API="3 per minute")
        statuses = [requests.get(server.url + "/api/v1/me", timeout=5).status_code for _ in range(4)]
        assert statuses == [401, 401, 401, 429]

    def test_health_and_preflights_are_not_limited(self, serve):
        server, _ = serve(RATELIMIT_ENABLED=True, RATELIMIT_API="2 per minute", RATELIMIT_API_ADDRESS="2 per minute")
        for _ in range(4):
            assert requests.get(server.url + "/healthz", timeout=5).status_code == 200
            preflight = requests.options(server.url + "/api/v1/me", headers={"Origin": ALLOWED, "Access-Control-Request-Method": "GET"}, timeout=5)
            assert preflight.status_code == 200


def test_sign_in_limits_are_per_address(sqlite_url, tmp_path):
    app = build_app(sqlite_url, tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_SIGNIN="2 per minute", GOOGLE_CLIENT_IDS=["x"])
    client = app.test_client()

    def attempt(address):
        return client.post("/api/v1/session", json={"id_token": "junk"}, environ_base={"REMOTE_ADDR": address}).status_code

    assert [attempt("203.0.113.1") for _ in range(3)] == [401, 401, 429]
    assert attempt("203.0.113.2") == 401


def test_limits_are_off_when_disabled(client):
    assert all(client.post("/api/v1/session", json={"id_token": "junk"}).status_code != 429 for _ in range(30))


def test_an_unreachable_redis_falls_back_to_memory_instead_of_failing(sqlite_url, tmp_path):
    app = build_app(sqlite_url, tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="redis://127.0.0.1:9/0", RATELIMIT_SIGNIN="2 per minute")
    client = app.test_client()
    statuses = [client.post("/api/v1/session", json={"id_token": "junk"}).status_code for _ in range(3)]
    assert statuses[-1] == 429
    assert all(status in (401, 503, 429) for status in statuses)
