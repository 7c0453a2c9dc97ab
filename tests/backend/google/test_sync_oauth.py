"""google.oauth against the fake token endpoint: PKCE, code exchange, refresh, revoke, delegation."""

import json

import google.auth.exceptions
import google.auth.transport.requests
import pytest

from threadbook.google import oauth

from ...fakes.google_oauth import CLIENT_ID, CLIENT_SECRET, FakeGoogleOAuth
from ...fakes.server import ServerThread

REDIRECT = "https://abc.chromiumapp.org/"


@pytest.fixture(scope="module")
def fake():
    fake = FakeGoogleOAuth()
    with ServerThread(fake.app) as server:
        fake.url = server.url
        yield fake


@pytest.fixture
def token_uri(fake):
    fake.reset()
    return fake.url + "/token"


def consent(fake, verifier, email="ada@acme.example", redirect=REDIRECT):
    url = oauth.authorization_url(fake.url + "/o/oauth2/v2/auth", CLIENT_ID, redirect, "st", oauth.code_challenge(verifier))
    return fake.approve(url, email)[0]


def test_pkce_challenge_matches_rfc_7636_appendix_b():
    assert oauth.code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_verifiers_are_long_and_unique():
    verifiers = {oauth.new_code_verifier() for _ in range(50)}
    assert len(verifiers) == 50 and all(43 <= len(v) <= 128 for v in verifiers)


def test_code_exchange_with_the_right_verifier(fake, token_uri):
    verifier = oauth.new_code_verifier()
    tokens = oauth.exchange_code(token_uri, CLIENT_ID, CLIENT_SECRET, consent(fake, verifier), verifier, REDIRECT)
    assert tokens["refresh_token"].startswith("1//") and tokens["access_token"].startswith("ya29.")
    assert oauth.GMAIL_MODIFY in tokens["scope"].split()
    assert fake.email_for_access_token(tokens["access_token"]) == "ada@acme.example"


@pytest.mark.parametrize(
    "change, error",
    [
        ({"verifier": "wrong" * 10}, "invalid_grant"),
        ({"redirect": "https://other.chromiumapp.org/"}, "redirect_uri_mismatch"),
        ({"secret": "nope"}, "invalid_client"),
    ],
)
def test_code_exchange_refusals(fake, token_uri, change, error):
    verifier = oauth.new_code_verifier()
    code = consent(fake, verifier)
    with pytest.raises(oauth.OAuthError) as raised:
        oauth.exchange_code(token_uri, CLIENT_ID, change.get("secret", CLIENT_SECRET), code, change.get("verifier", verifier), change.get("redirect", REDIRECT))
    assert raised.value.error == error
    assert isinstance(raised.value, oauth.InvalidGrant) == (error == "invalid_grant")


def test_a_code_works_once(fake, token_uri):
    verifier = oauth.new_code_verifier()
    code = consent(fake, verifier)
    oauth.exchange_code(token_uri, CLIENT_ID, CLIENT_SECRET, code, verifier, REDIRECT)
    with pytest.raises(oauth.InvalidGrant):
        oauth.exchange_code(token_uri, CLIENT_ID, CLIENT_SECRET, code, verifier, REDIRECT)


def test_refresh_then_revoke(fake, token_uri):
    refresh_token = fake.grant_refresh_token("ada@acme.example")
    assert oauth.refresh_access_token(token_uri, CLIENT_ID, CLIENT_SECRET, refresh_token)["access_token"]

    assert oauth.revoke(fake.url + "/revoke", refresh_token) is True
    assert oauth.revoke(fake.url + "/revoke", refresh_token) is True  # already gone: still the wanted outcome
    with pytest.raises(oauth.InvalidGrant) as raised:
        oauth.refresh_access_token(token_uri, CLIENT_ID, CLIENT_SECRET, refresh_token)
    assert "revoked" in raised.value.description


def test_google_auth_credentials_refresh_at_the_configured_uri(fake, token_uri):
    credentials = oauth.user_credentials(fake.grant_refresh_token("ada@acme.example"), token_uri, CLIENT_ID, CLIENT_SECRET)
    credentials.refresh(google.auth.transport.requests.Request())
    assert fake.email_for_access_token(credentials.token) == "ada@acme.example"

    fake.revoke_user("ada@acme.example")
    with pytest.raises(google.auth.exceptions.RefreshError) as raised:
        credentials.refresh(google.auth.transport.requests.Request())
    assert oauth.refresh_error_code(raised.value) == "invalid_grant" and oauth.is_revoked_grant(raised.value)


def test_delegated_credentials_act_for_users_of_the_delegated_domain(fake, token_uri):
    key = oauth.validate_service_account_key(fake.register_service_account(["acme.example"]))
    credentials = oauth.delegated_credentials(key, "ada@acme.example", token_uri)
    credentials.refresh(google.auth.transport.requests.Request())
    assert fake.email_for_access_token(credentials.token) == "ada@acme.example"
    assert fake.calls[-1] == "urn:ietf:params:oauth:grant-type:jwt-bearer"

    outsider = oauth.delegated_credentials(key, "eve@elsewhere.example", token_uri)
    with pytest.raises(google.auth.exceptions.RefreshError) as raised:
        outsider.refresh(google.auth.transport.requests.Request())
    assert oauth.refresh_error_code(raised.value) == "unauthorized_client" and oauth.is_revoked_grant(raised.value)


def test_validated_keys_keep_only_what_sync_needs(fake):
    key = fake.register_service_account(["acme.example"])
    cleaned = oauth.validate_service_account_key(key)
    assert set(cleaned) <= {"type", "project_id", "private_key_id", "private_key", "client_email", "client_id", "token_uri"}
    assert oauth.validate_service_account_key(json.dumps(key)) == cleaned
