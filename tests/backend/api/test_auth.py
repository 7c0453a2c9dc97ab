"""Session tokens: every /api/v1 route but the public ones needs a valid Bearer token."""

import base64
import datetime
import json
import re

import jwt
import pytest

from threadbook.identity.sessions import ALGORITHM, ISSUER
from threadbook.models import User

from ...conftest import TEST_SECRET
from ...fakes.google_identity import make_rsa_key, raw_jwt

PUBLIC_ENDPOINTS = {
    "api.session.create_session",
    "api.session.create_dev_session",
    "api.client_config.client_config",
    "api.openapi.openapi_document",
    # Pub/Sub has no session: each push carries a Google-signed OIDC token instead (sync/push.py)
    "api.gmail_push.receive_push",
}


def claims_for(user, **overrides):
    now = datetime.datetime.now(datetime.UTC)
    claims = {"iss": ISSUER, "sub": str(user.id), "org": user.org_id, "iat": now, "exp": now + datetime.timedelta(hours=1), "dev": False}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def member(factory):
    return factory.user(factory.org(domain="acme.example"))


def _flip_last_char(token):
    return token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]


def _swap_payload(token, user):
    """Keep header and signature, put another user's id in the payload."""
    header, _, signature = token.split(".")
    payload = base64.urlsafe_b64encode(json.dumps(claims_for(user, sub=str(user.id + 1000), iat=1, exp=4102444800)).encode()).rstrip(b"=").decode()
    return ".".join([header, payload, signature])


BAD_SESSIONS = {
    "expired": lambda u: jwt.encode(claims_for(u, exp=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)), TEST_SECRET, ALGORITHM),
    "signed with another secret": lambda u: jwt.encode(claims_for(u), "another-secret-of-sufficient-length-0123456789", ALGORITHM),
    "tampered signature": lambda u: _flip_last_char(jwt.encode(claims_for(u), TEST_SECRET, ALGORITHM)),
    "tampered payload": lambda u: _swap_payload(jwt.encode(claims_for(u), TEST_SECRET, ALGORITHM), u),
    "alg none": lambda u: raw_jwt({"alg": "none", "typ": "JWT"}, {**claims_for(u, iat=1), "exp": 4102444800}),
    "HS512 with the right secret": lambda u: jwt.encode(claims_for(u), TEST_SECRET, "HS512"),
    "RS256 with some key": lambda u: jwt.encode(claims_for(u), make_rsa_key(), "RS256"),
    "wrong issuer": lambda u: jwt.encode(claims_for(u, iss="someone-else"), TEST_SECRET, ALGORITHM),
    "no exp": lambda u: jwt.encode(claims_for(u, exp=None), TEST_SECRET, ALGORITHM),
    "no org": lambda u: jwt.encode(claims_for(u, org=None), TEST_SECRET, ALGORITHM),
    "another org's id": lambda u: jwt.encode(claims_for(u, org=u.org_id + 1), TEST_SECRET, ALGORITHM),
    "no such user": lambda u: jwt.encode(claims_for(u, sub="999999"), TEST_SECRET, ALGORITHM),
    "a dev session for a Google user": lambda u: jwt.encode(claims_for(u, dev=True), TEST_SECRET, ALGORITHM),
    "garbage": lambda u: "garbage",
    "a Google-looking ID token": lambda u: jwt.encode({"iss": "https://accounts.google.com", "sub": "1"}, make_rsa_key(), "RS256"),
}


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
@pytest.mark.parametrize("name", list(BAD_SESSIONS))
def test_a_bad_session_token_is_401_with_a_message(client, member, name):
    response = client.get("/api/v1/me", headers=bearer(BAD_SESSIONS[name](member)))
    assert response.status_code == 401, name
    body = response.get_json()
    assert body["error"] == "unauthorized"
    assert "sign in" in body["message"].lower()
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc", "bearer"],
)
def test_a_missing_or_malformed_authorization_header_is_401(client, header):
    headers = {} if header is None else {"Authorization": header}
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert "Authorization: Bearer" in response.get_json()["message"]


def test_a_valid_session_works_with_any_case_of_bearer(client, factory, member):
    token = factory.headers(member)["Authorization"].split()[1]
    assert client.get("/api/v1/me", headers={"Authorization": f"bearer {token}"}).status_code == 200


def test_a_deleted_user_s_session_stops_working(client, factory, member, db):
    headers = factory.headers(member)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    User.delete_by_id(member.id)
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_a_session_expires_after_the_configured_lifetime(app, factory, member):
    app.config["SESSION_TTL_SECONDS"] = -30
    headers = factory.headers(member)
    response = app.test_client().get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert "expired" in response.get_json()["message"]


def test_a_session_that_worked_is_refused_once_it_expires(app, factory, member, monkeypatch):
    # The signature is checked once and the claims remembered; the expiry must still be checked every time.
    import time

    from threadbook.identity import sessions as auth

    app.config["SESSION_TTL_SECONDS"] = 60
    headers = factory.headers(member)
    client = app.test_client()
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    later = time.time() + 61
    monkeypatch.setattr(auth.time, "time", lambda: later)
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert "expired" in response.get_json()["message"]


def test_a_remembered_session_is_refused_after_the_secret_key_changes(app, factory, member):
    headers = factory.headers(member)
    client = app.test_client()
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    app.config["SECRET_KEY"] = "rotated-" + app.config["SECRET_KEY"]
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def _example_path(rule):
    return re.sub(r"<(?:int:)?[^>]+>", lambda m: "1" if m.group(0).startswith("<int:") else "x", rule.rule)


def test_every_api_route_except_the_public_ones_needs_a_session(app, client):
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1") or rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(_example_path(rule), method=method, json={})
            assert response.status_code == 401, f"{method} {rule.rule} answered {response.status_code} without a session"
            checked += 1
    assert checked >= 5


def test_public_routes_are_exactly_the_expected_ones(app):
    public = {rule.endpoint for rule in app.url_map.iter_rules() if getattr(app.view_functions[rule.endpoint], "is_public", False)}
    api_public = {e for e in public if any(r.rule.startswith("/api/v1") for r in app.url_map.iter_rules(endpoint=e))}
    assert api_public == PUBLIC_ENDPOINTS
