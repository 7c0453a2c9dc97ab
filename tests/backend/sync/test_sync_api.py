"""The mailbox API: connecting with OAuth + PKCE or a service account, status, sync now, pause, disconnect."""

import json
import logging
from urllib.parse import parse_qs, urlparse

import pytest

from threadbook import crypto
from threadbook.db import database
from threadbook.models import AuditLog, Email, Mailbox, Organization

from ...fakes.google_oauth import CLIENT_ID
from ..support.sync import ago, connect

REDIRECT = "https://jkepanmacpnmjgfgkefaagampdbnmmal.chromiumapp.org/"


def db_get(app, model, *where):
    with app.app_context():
        database.connect(reuse_if_open=True)
        return model.get_or_none(*where)


def start_and_consent(client, google, user, headers, email=None):
    """Run connect/start and Google's consent; return the finish request's body."""
    started = client.post("/api/v1/mailbox/connect/start", json={}, headers=headers)
    assert started.status_code == 200, started.get_json()
    code, state = google.oauth.approve(started.get_json()["authorization_url"], email or user.email)
    return {"code": code, "state": state, "redirect_uri": started.get_json()["redirect_uri"]}


def test_connect_start_builds_an_offline_pkce_consent_url(client, rep, factory):
    response = client.post("/api/v1/mailbox/connect/start", json={}, headers=factory.headers(rep))

    body = response.get_json()
    query = {k: v[0] for k, v in parse_qs(urlparse(body["authorization_url"]).query).items()}
    assert body["redirect_uri"] == REDIRECT
    assert query["client_id"] == CLIENT_ID and query["redirect_uri"] == REDIRECT
    assert query["response_type"] == "code" and query["access_type"] == "offline" and query["prompt"] == "consent"
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert "gmail.modify" in query["scope"] and query["login_hint"] == rep.email
    assert query["state"] == body["state"]
    assert query["code_challenge"] not in body["state"]  # the verifier and challenge travel encrypted only


def test_connect_finish_stores_the_refresh_token_encrypted_and_syncs(app, client, google, rep, factory, caplog):
    box = google.state.add_mailbox(rep.email)
    box.add_message(sender="Buyer <buyer@customer.example>", to=[rep.email], date=ago(days=1))
    headers = factory.headers(rep)
    caplog.set_level(logging.DEBUG)

    response = client.post("/api/v1/mailbox/connect/finish", json=start_and_consent(client, google, rep, headers), headers=headers)

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["connected"] and body["kind"] == "oauth"
    assert body["messages_synced"] == 1 and body["backfill_done"]  # the queue runs immediately in tests
    mailbox = db_get(app, Mailbox, Mailbox.user == rep.id)
    [refresh_token] = google.oauth.live_refresh_tokens(rep.email)
    assert mailbox.refresh_token != refresh_token and refresh_token not in mailbox.refresh_token
    with app.app_context():
        assert crypto.decrypt(mailbox.refresh_token) == refresh_token
    assert refresh_token not in response.get_data(as_text=True)
    assert refresh_token not in caplog.text
    assert db_get(app, AuditLog, AuditLog.action == "mailbox.connected") is not None


@pytest.mark.parametrize(
    "tamper, status, code",
    [
        (lambda b: {**b, "code": "4/0wrong"}, 400, "google_invalid_grant"),
        (lambda b: {**b, "state": b["state"][:-4] + "AAAA"}, 400, "bad_request"),
        (lambda b: {**b, "redirect_uri": "https://evil.example/"}, 400, "bad_request"),
        (lambda b: {k: v for k, v in b.items() if k != "code"}, 400, "bad_request"),
        (lambda b: {**b, "code": 12}, 400, "bad_request"),
    ],
)
def test_connect_finish_refuses_bad_input(app, client, google, rep, factory, tamper, status, code):
    headers = factory.headers(rep)
    body = tamper(start_and_consent(client, google, rep, headers))

    response = client.post("/api/v1/mailbox/connect/finish", json=body, headers=headers)

    assert response.status_code == status
    assert response.get_json()["error"] == code
    assert db_get(app, Mailbox, Mailbox.user == rep.id) is None


def test_a_state_started_by_another_user_is_refused(client, google, rep, factory, org):
    other = factory.user(org, email="other@acme.example")
    body = start_and_consent(client, google, rep, factory.headers(rep))

    response = client.post("/api/v1/mailbox/connect/finish", json=body, headers=factory.headers(other))

    assert response.status_code == 400
    assert "another user" in response.get_json()["message"]


def test_an_expired_state_is_refused(app, client, google, rep, factory):
    headers = factory.headers(rep)
    body = start_and_consent(client, google, rep, headers)
    with app.app_context():
        old = crypto.cipher().encrypt_at_time(crypto.decrypt(body["state"]).encode(), 1_000_000_000).decode()

    response = client.post("/api/v1/mailbox/connect/finish", json={**body, "state": old}, headers=headers)

    assert response.status_code == 400
    assert "10 minutes" in response.get_json()["message"]


def test_connecting_someone_elses_mailbox_is_refused_and_revoked(app, client, google, rep, factory):
    google.state.add_mailbox("private@gmail.com")
    headers = factory.headers(rep)
    body = start_and_consent(client, google, rep, headers, email="private@gmail.com")

    response = client.post("/api/v1/mailbox/connect/finish", json=body, headers=headers)

    assert response.status_code == 400 and response.get_json()["error"] == "wrong_mailbox"
    assert google.oauth.live_refresh_tokens("private@gmail.com") == []  # the grant we will not keep is revoked
    assert db_get(app, Mailbox, Mailbox.user == rep.id) is None


def test_connect_without_an_oauth_client_is_503(client, rep, factory, app):
    app.config["GOOGLE_CLIENT_SECRET"] = ""
    response = client.post("/api/v1/mailbox/connect/start", json={}, headers=factory.headers(rep))
    assert response.status_code == 503
    assert "GOOGLE_CLIENT_SECRET" in response.get_json()["message"]


def test_status_before_connecting(client, rep, factory):
    body = client.get("/api/v1/mailbox", headers=factory.headers(rep)).get_json()
    assert body["status"] == "not_connected" and body["connected"] is False and body["messages_synced"] == 0


def test_pause_resume_and_sync_now(app, client, google, rep, factory):
    box = google.state.add_mailbox(rep.email)
    connect(app, google, rep)
    headers = factory.headers(rep)

    paused = client.post("/api/v1/mailbox/pause", headers=headers).get_json()
    assert paused["status"] == "paused" and paused["sync_paused"] is True
    refused = client.post("/api/v1/mailbox/sync", headers=headers)
    assert refused.status_code == 409 and refused.get_json()["error"] == "sync_paused"

    box.add_message(sender="Buyer <buyer@customer.example>", to=[rep.email], date=ago(hours=2))
    resumed = client.post("/api/v1/mailbox/resume", headers=headers).get_json()
    assert resumed["status"] == "active" and resumed["messages_synced"] == 1  # resuming syncs at once

    box.add_message(sender="Buyer <buyer@customer.example>", to=[rep.email], date=ago(hours=1))
    synced = client.post("/api/v1/mailbox/sync", headers=headers)
    assert synced.status_code == 202
    assert synced.get_json()["mailbox"]["messages_synced"] == 2


def test_sync_now_without_a_mailbox_is_404(client, rep, factory):
    assert client.post("/api/v1/mailbox/sync", headers=factory.headers(rep)).status_code == 404


def test_sync_now_when_the_org_disabled_sync_is_409(app, client, google, rep, factory, org):
    connect(app, google, rep)
    with app.app_context():
        database.connect(reuse_if_open=True)
        Organization.update(sync_enabled=False).execute()

    response = client.post("/api/v1/mailbox/sync", headers=factory.headers(rep))

    assert response.status_code == 409 and response.get_json()["error"] == "sync_disabled"
    assert client.get("/api/v1/mailbox", headers=factory.headers(rep)).get_json()["status"] == "disabled"


def test_disconnect_revokes_deletes_credentials_and_keeps_mail(app, client, google, rep, factory):
    box = google.state.add_mailbox(rep.email)
    box.add_message(sender="Buyer <buyer@customer.example>", to=[rep.email], date=ago(days=1))
    mailbox = connect(app, google, rep)
    headers = factory.headers(rep)
    client.post("/api/v1/mailbox/sync", headers=headers)

    response = client.delete("/api/v1/mailbox", headers=headers)

    assert response.status_code == 200
    assert response.get_json()["status"] == "disconnected" and response.get_json()["connected"] is False
    assert google.oauth.live_refresh_tokens(rep.email) == []
    row = db_get(app, Mailbox, Mailbox.id == mailbox.id)
    assert row.refresh_token is None and row.history_id is None and not row.backfill_done
    with app.app_context():
        database.connect(reuse_if_open=True)
        assert Email.select().count() == 1
    assert client.delete("/api/v1/mailbox", headers=headers).status_code == 404
    assert client.post("/api/v1/mailbox/sync", headers=headers).status_code == 404


def test_reconnecting_after_needs_reconnect_resumes(app, client, google, rep, factory):
    google.state.add_mailbox(rep.email)
    mailbox = connect(app, google, rep)
    with app.app_context():
        database.connect(reuse_if_open=True)
        Mailbox.update(status="needs_reconnect", history_id="1000", backfill_done=True, messages_synced=5).execute()
    headers = factory.headers(rep)
    old_tokens = google.oauth.live_refresh_tokens(rep.email)

    response = client.post("/api/v1/mailbox/connect/finish", json=start_and_consent(client, google, rep, headers), headers=headers)

    assert response.get_json()["status"] == "active"
    row = db_get(app, Mailbox, Mailbox.id == mailbox.id)
    assert row.messages_synced == 5 and row.backfill_done  # kept its place
    assert not set(old_tokens) & set(google.oauth.live_refresh_tokens(rep.email))  # the replaced token is revoked


def test_members_cannot_use_admin_routes(client, rep, factory):
    headers = factory.headers(rep)
    assert client.get("/api/v1/org/mailboxes", headers=headers).status_code == 403
    assert client.delete("/api/v1/org/mailboxes", headers=headers).status_code == 403
    assert client.put("/api/v1/org/service-account", json={"key": {}}, headers=headers).status_code == 403
    assert client.get("/api/v1/org/service-account", headers=headers).status_code == 403


def test_admin_disconnects_the_whole_organisation(app, client, google, rep, admin, factory, org):
    google.state.add_mailbox(rep.email).add_message(sender="B <b@customer.example>", to=[rep.email], date=ago(days=1))
    connect(app, google, rep)
    connect(app, google, admin)
    client.post("/api/v1/mailbox/sync", headers=factory.headers(rep))
    other_org = factory.org(domain="other.example")
    outsider = factory.user(other_org, email="x@other.example")
    connect(app, google, outsider)

    listing = client.get("/api/v1/org/mailboxes", headers=factory.headers(admin)).get_json()
    assert {m["email"]: m["status"] for m in listing["mailboxes"]} == {rep.email: "active", admin.email: "active"}

    response = client.delete("/api/v1/org/mailboxes", headers=factory.headers(admin))

    assert response.get_json() == {"disconnected": 2}
    assert google.oauth.live_refresh_tokens(rep.email) == [] and google.oauth.live_refresh_tokens(admin.email) == []
    assert google.oauth.live_refresh_tokens(outsider.email) != []  # another organisation is untouched
    with app.app_context():
        database.connect(reuse_if_open=True)
        assert Email.select().count() == 1


def test_service_account_connects_every_member(app, client, google, rep, admin, factory):
    key = google.oauth.register_service_account(["acme.example"])
    google.state.add_mailbox(rep.email).add_message(sender="B <b@customer.example>", to=[rep.email], date=ago(days=1))
    google.state.add_mailbox(admin.email)

    response = client.put("/api/v1/org/service-account", json={"key": key}, headers=factory.headers(admin))

    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"configured": True, "client_email": key["client_email"], "client_id": key["client_id"]}
    assert "PRIVATE KEY" not in response.get_data(as_text=True)
    stored = db_get(app, Organization, Organization.id == rep.org_id).service_account_key
    assert "PRIVATE KEY" not in stored
    with app.app_context():
        assert json.loads(crypto.decrypt(stored))["private_key"] == key["private_key"]
    status = client.get("/api/v1/mailbox", headers=factory.headers(rep)).get_json()
    assert status["kind"] == "service_account" and status["messages_synced"] == 1
    listing = client.get("/api/v1/org/mailboxes", headers=factory.headers(admin)).get_json()
    assert "PRIVATE KEY" not in json.dumps(listing)

    assert client.delete("/api/v1/org/service-account", headers=factory.headers(admin)).status_code == 204
    assert client.get("/api/v1/mailbox", headers=factory.headers(rep)).get_json()["status"] == "disconnected"
    assert client.get("/api/v1/org/service-account", headers=factory.headers(admin)).get_json()["configured"] is False


def test_service_account_without_delegation_is_refused(app, client, google, admin, factory):
    key = google.oauth.register_service_account(["elsewhere.example"])  # delegated for another domain

    response = client.put("/api/v1/org/service-account", json={"key": key}, headers=factory.headers(admin))

    assert response.status_code == 400 and response.get_json()["error"] == "delegation_refused"
    assert key["client_id"] in response.get_json()["message"]
    assert db_get(app, Organization, Organization.id == admin.org_id).service_account_key is None


def _key(google, **changes):
    key = dict(google.oauth.register_service_account(["acme.example"]))
    key.update(changes)
    return {k: v for k, v in key.items() if v is not None}


@pytest.mark.parametrize(
    "make_key, fragment",
    [
        (lambda g: "not json", "not valid JSON"),
        (lambda g: ["a"], "JSON object"),
        (lambda g: _key(g, type="authorized_user"), "'type'"),
        (lambda g: _key(g, client_email=None), "client_email"),
        (lambda g: _key(g, private_key="-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n"), "private_key"),
        (lambda g: _key(g, client_email="not-an-address"), "client_email"),
        (lambda g: "x" * 20000, "too large"),
    ],
)
def test_service_account_key_is_validated(client, google, admin, factory, make_key, fragment):
    response = client.put("/api/v1/org/service-account", json={"key": make_key(google)}, headers=factory.headers(admin))
    assert response.status_code == 400
    assert fragment in response.get_json()["message"]


def test_service_account_needs_a_workspace_organisation(client, google, factory):
    personal = factory.org()
    admin = factory.user(personal, email="solo@gmail.com", role="admin")
    key = google.oauth.register_service_account(["gmail.com"])
    response = client.put("/api/v1/org/service-account", json={"key": key}, headers=factory.headers(admin))
    assert response.status_code == 400 and "Workspace" in response.get_json()["message"]


def test_openapi_documents_the_sync_routes(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/mailbox", "/api/v1/mailbox/connect/start", "/api/v1/org/service-account", "/api/v1/blocklist/{id}"):
        assert path in paths


def test_service_account_sync_stores_each_members_own_copy_at_their_level(app, client, google, rep, admin, factory):
    """Workspace-wide sync honours each member's default and never joins two mailboxes' copies of one Message-ID."""
    with app.app_context():
        database.connect(reuse_if_open=True)
        Organization.update(default_visibility="team_full").where(Organization.id == rep.org_id).execute()
    assert client.patch("/api/v1/me", json={"default_visibility": "private"}, headers=factory.headers(rep)).status_code == 200
    key = google.oauth.register_service_account(["acme.example"])
    google.state.add_mailbox(rep.email).add_message(
        sender="B <b@customer.example>", to=[rep.email], date=ago(days=1), message_id="<deal@customer.example>", body="rep's terms"
    )
    # The admin's mailbox holds a message claiming the same Message-ID.
    google.state.add_mailbox(admin.email).add_message(
        sender="B <b@customer.example>", to=[admin.email], date=ago(days=1), message_id="<deal@customer.example>", body="admin's copy"
    )

    assert client.put("/api/v1/org/service-account", json={"key": key}, headers=factory.headers(admin)).status_code == 200

    with app.app_context():
        database.connect(reuse_if_open=True)
        copies = {e.owner_id: e for e in Email.select()}
    assert {owner: (e.visibility, e.snippet) for owner, e in copies.items()} == {
        rep.id: ("private", "rep's terms"),
        admin.id: ("team_full", "admin's copy"),
    }
    assert client.get(f"/api/v1/emails/{copies[rep.id].id}", headers=factory.headers(admin)).status_code == 404
    assert client.get(f"/api/v1/emails/{copies[admin.id].id}", headers=factory.headers(rep)).get_json()["snippet"] == copies[admin.id].snippet
