"""A backend without Google (no GOOGLE_CLIENT_ID: development sign-in only) says so wherever Google is needed.

Answers: 503 ``google_not_configured``, "Google isn't set up on this backend:
see docs/google-setup.md", instead of "expired", "no Google client id" or a
header to send; ``GET /api/v1/config`` says ``google_configured: false``.
"""

import pytest

from ...fakes.google_identity import FakeGoogleIdentity, session_body

NOT_SET_UP = "Google isn't set up on this backend (GOOGLE_CLIENT_ID is not set): see docs/google-setup.md."
LOOPBACK_DEV = {"DEV_SIGNIN": True, "BIND_ADDRESS": "127.0.0.1:5000", "GOOGLE_CLIENT_IDS": [], "GOOGLE_CLIENT_SECRET": ""}
THREAD = "18c2a0f5b7e40001"


@pytest.fixture
def app_settings():
    return dict(LOOPBACK_DEV)


@pytest.fixture
def dev_headers(client):
    """Signed in as a development user, the way `make run` offers it."""
    response = client.post("/api/v1/session/dev", json={"email": "demo@threadbook.test"}, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def refused(response):
    assert response.status_code == 503, response.get_json()
    body = response.get_json()
    assert body == {"error": "google_not_configured", "message": NOT_SET_UP}
    assert "Retry-After" not in response.headers  # waiting will not help
    return True


def test_config_says_google_is_not_configured_and_keeps_its_fields(client):
    body = client.get("/api/v1/config").get_json()
    assert body["google_configured"] is False
    assert body["google_client_id"] is None
    assert body["dev_signin"] is True
    assert {"session_ttl_seconds", "send_max_attachment_bytes", "api_version"} <= set(body)


def test_logging_a_thread_without_a_token(client, dev_headers):
    assert refused(client.post(f"/api/v1/threads/{THREAD}/log", json={}, headers=dev_headers))


def test_sending_without_a_token(client, dev_headers):
    assert refused(client.post("/api/v1/emails/send", json={"to": ["ada@acme.example"], "subject": "Hi", "body": "Hi"}, headers=dev_headers))


def test_connecting_gmail(client, dev_headers):
    assert refused(client.post("/api/v1/mailbox/connect/start", json={}, headers=dev_headers))
    finish = {"code": "c", "state": "s", "redirect_uri": "https://jkepanmacpnmjgfgkefaagampdbnmmal.chromiumapp.org/"}
    assert refused(client.post("/api/v1/mailbox/connect/finish", json=finish, headers=dev_headers))


def test_google_sign_in(client):
    token = FakeGoogleIdentity().mint_id_token()
    assert refused(client.post("/api/v1/session", json=session_body(token)))


class TestWithGoogle:
    """With a client id, the same calls keep their own answers."""

    @pytest.fixture
    def app_settings(self):
        return {**LOOPBACK_DEV, "GOOGLE_CLIENT_IDS": ["123-abc.apps.googleusercontent.com"]}

    def test_config_says_google_is_configured(self, client):
        body = client.get("/api/v1/config").get_json()
        assert body["google_configured"] is True
        assert body["google_client_id"] == "123-abc.apps.googleusercontent.com"

    def test_a_missing_token_asks_for_google_access_in_words_a_person_follows(self, client, dev_headers):
        response = client.post(f"/api/v1/threads/{THREAD}/log", json={}, headers=dev_headers)
        assert response.status_code == 400
        body = response.get_json()
        assert body["error"] == "google_token_required"
        assert body["message"].startswith("Threadbook reads this from Gmail with your Google access")
        response = client.post("/api/v1/emails/send", json={"to": ["ada@acme.example"], "subject": "Hi", "body": "Hi"}, headers=dev_headers)
        assert response.get_json() == {
            "error": "google_token_required",
            "message": "Threadbook has no access to your Gmail: sign in with Google again, or connect your mailbox on the Account screen.",
        }

    def test_connecting_gmail_without_the_client_secret(self, client, dev_headers):
        response = client.post("/api/v1/mailbox/connect/start", json={}, headers=dev_headers)
        assert response.status_code == 503
        body = response.get_json()
        assert body["error"] == "unavailable"
        assert "GOOGLE_CLIENT_SECRET" in body["message"] and "docs/google-setup.md" in body["message"]
