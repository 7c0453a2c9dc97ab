"""POST /api/v1/session: Google ID tokens, good and bad, against a local fake of Google's certificates."""

import time

import jwt
import pytest

from threadbook.models import AuditLog, User

from ...fakes.google_identity import CLIENT_ID, hs256_with_public_key, make_rsa_key, raw_jwt, session_body

NOW = int(time.time())


@pytest.fixture
def app_settings(google_identity):
    return dict(google_identity.settings)


def sign_in(client, token, **body):
    """Sign in as the extension does: the token and the nonce it was asked with (unless ``body`` says otherwise)."""
    return client.post("/api/v1/session", json=session_body(token, **body))


def test_a_valid_token_signs_in_and_the_session_works(client, google_identity):
    response = sign_in(client, google_identity.mint_id_token())
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert set(body) == {"token", "expires_at", "user", "org"}
    assert body["user"]["email"] == "ada@acme.example"
    assert body["user"]["dev"] is False
    assert body["org"]["domain"] == "acme.example"
    assert body["expires_at"].endswith("Z")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.get_json()["user"]["id"] == body["user"]["id"]


def test_the_issuer_without_scheme_is_google_too(client, google_identity):
    assert sign_in(client, google_identity.mint_id_token(iss="accounts.google.com")).status_code == 200


def test_clock_skew_of_a_few_seconds_is_tolerated(client, google_identity):
    token = google_identity.mint_id_token(iat=int(time.time()) + 5, exp=int(time.time()) - 5 + 3600)
    assert sign_in(client, token).status_code == 200
    token = google_identity.mint_id_token(iat=int(time.time()) - 3600, exp=int(time.time()) - 5)
    assert sign_in(client, token).status_code == 200


def _other_key_token(fake):
    return fake.mint_id_token(signing_key=make_rsa_key())


def _tampered(fake):
    header, payload, signature = fake.mint_id_token().split(".")
    forged = fake.mint_id_token(email="mallory@acme.example").split(".")[1]
    return ".".join([header, forged, signature])


# name -> (make the token from the fake, a fragment of the message that says why)
BAD_TOKENS = {
    "expired": (lambda f: f.mint_id_token(iat=NOW - 7200, exp=NOW - 3600), "expired"),
    "issued in the future": (lambda f: f.mint_id_token(iat=NOW + 600, exp=NOW + 4200), "future"),
    "wrong audience": (lambda f: f.mint_id_token(aud="someone-else.apps.googleusercontent.com"), "audience"),
    "audience as a list": (lambda f: f.mint_id_token(aud=[CLIENT_ID, "other"]), "audience"),
    "no audience": (lambda f: f.mint_id_token(aud=None), "audience"),
    "wrong issuer": (lambda f: f.mint_id_token(iss="https://evil.example"), "issuer"),
    "no issuer": (lambda f: f.mint_id_token(iss=None), "issuer"),
    "bad signature (another key)": (_other_key_token, "signature"),
    "payload altered after signing": (_tampered, "signature"),
    "unknown key id": (lambda f: f.mint_id_token(header={"kid": "not-a-google-key"}), "unknown key id"),
    "no key id": (lambda f: jwt.encode(f.claims(), f.key, algorithm="RS256"), "kid"),
    "alg none": (lambda f: raw_jwt({"alg": "none", "typ": "JWT", "kid": f.kid}, f.claims()), "'none'"),
    "alg none, signature kept": (lambda f: raw_jwt({"alg": "none", "kid": f.kid}, f.claims(), b"sig"), "'none'"),
    "HS256 signed with the public key": (lambda f: hs256_with_public_key(f), "HS256"),
    "missing exp": (lambda f: f.mint_id_token(exp=None), "iat or exp"),
    "missing iat": (lambda f: f.mint_id_token(iat=None), "iat or exp"),
    "exp not a number": (lambda f: f.mint_id_token(exp="tomorrow"), "could not be verified"),
    "email_verified false": (lambda f: f.mint_id_token(email_verified=False), "verified"),
    "email_verified missing": (lambda f: f.mint_id_token(email_verified=None), "verified"),
    "email_verified the string false": (lambda f: f.mint_id_token(email_verified="false"), "verified"),
    "email_verified the number 1": (lambda f: f.mint_id_token(email_verified=1), "verified"),
    "hd not a string": (lambda f: f.mint_id_token(hd=["acme.example"]), "hd"),
    "no email": (lambda f: f.mint_id_token(email=None), "email"),
    "no sub": (lambda f: f.mint_id_token(sub=None), "sub"),
    "garbage": (lambda f: "this is not a token", "not a JWT"),
    "three dots of garbage": (lambda f: "a.b.c", "not a JWT"),
    "header not JSON": (lambda f: "bm90IGpzb24." + f.mint_id_token().split(".", 1)[1], "not a JWT"),
    "empty": (lambda f: "", "No ID token"),
    "whitespace": (lambda f: "   ", "No ID token"),
    "not a string": (lambda f: 12345, "No ID token"),
    "null": (lambda f: None, "No ID token"),
    "token for another client id": (lambda f: f.mint_id_token(aud="1234-other.apps.googleusercontent.com", azp="1234-other"), "audience"),
}


@pytest.mark.parametrize("name", list(BAD_TOKENS))
def test_a_bad_token_is_refused_with_401_and_a_message(client, google_identity, name, db):
    make, reason = BAD_TOKENS[name]
    response = sign_in(client, make(google_identity))
    assert response.status_code == 401, (name, response.get_json())
    body = response.get_json()
    assert body["error"] == "unauthorized"
    assert reason in body["message"]
    assert User.select().count() == 0
    refused = AuditLog.get(AuditLog.action == "signin.refused")
    assert refused.detail["reason"] == "invalid_token"


def test_missing_id_token_field_is_401(client, google_identity):
    response = client.post("/api/v1/session", json={})
    assert response.status_code == 401


def test_a_body_that_is_not_json_is_refused_plainly(client, google_identity):
    response = client.post("/api/v1/session", data="id_token=x", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415


def test_hd_of_another_domain_is_refused_for_a_workspace_member(client, google_identity, factory):
    org = factory.org(domain="acme.example")
    factory.user(org, email="ada@acme.example", google_sub=google_identity.account["sub"])
    response = sign_in(client, google_identity.mint_id_token(hd="evil.example"))
    assert response.status_code == 401
    assert "acme.example" in response.get_json()["message"]
    response = sign_in(client, google_identity.mint_id_token(hd=None))
    assert response.status_code == 401
    assert sign_in(client, google_identity.mint_id_token()).status_code == 200


class TestNonce:
    def test_matching_nonce_signs_in(self, client, google_identity):
        assert sign_in(client, google_identity.mint_id_token(nonce="n-123"), nonce="n-123").status_code == 200

    @pytest.mark.parametrize("token_nonce", ["other", None, ""])
    def test_a_nonce_that_does_not_match_is_401(self, client, google_identity, token_nonce):
        response = sign_in(client, google_identity.mint_id_token(nonce=token_nonce), nonce="n-123")
        assert response.status_code == 401
        assert "nonce" in response.get_json()["message"]

    @pytest.mark.parametrize("sent", [None, ""])
    def test_a_sign_in_without_its_nonce_is_401(self, client, google_identity, sent):
        response = client.post("/api/v1/session", json={"id_token": google_identity.mint_id_token(nonce="n-123"), "nonce": sent})
        assert response.status_code == 401 and "nonce" in response.get_json()["message"]
        assert client.post("/api/v1/session", json={"id_token": google_identity.mint_id_token()}).status_code == 401

    def test_a_replayed_token_and_nonce_are_refused_and_a_new_sign_in_works(self, client, google_identity, db):
        token = google_identity.mint_id_token(nonce="n-once")
        assert sign_in(client, token, nonce="n-once").status_code == 200

        replay = sign_in(client, token, nonce="n-once")

        assert replay.status_code == 401 and "already used" in replay.get_json()["message"]
        assert AuditLog.select().where(AuditLog.action == "signin.refused").count() == 1
        assert sign_in(client, google_identity.mint_id_token()).status_code == 200

    def test_a_nonce_is_used_once_on_every_worker(self, app, google_identity, db):
        """The record is in the database, so a second app (another gunicorn worker) refuses the replay too."""
        from ...conftest import build_app

        token = google_identity.mint_id_token(nonce="n-shared")
        assert sign_in(app.test_client(), token, nonce="n-shared").status_code == 200
        other = build_app(app.config["DATABASE_URL"], app.instance_path, **google_identity.settings)
        assert sign_in(other.test_client(), token, nonce="n-shared").status_code == 401


class TestCertificates:
    def test_certificate_endpoint_down_is_503_with_a_message(self, client, google_identity, db):
        google_identity.certs_down = True
        response = sign_in(client, google_identity.mint_id_token())
        assert response.status_code == 503
        assert "certificates" in response.get_json()["message"]
        assert response.headers["Retry-After"]
        assert User.select().count() == 0

    def test_certificate_endpoint_unreachable_is_503(self, app, google_identity):
        app.config["GOOGLE_CERTS_URL"] = "http://127.0.0.1:9/oauth2/v1/certs"  # discard port: refused
        response = sign_in(app.test_client(), google_identity.mint_id_token())
        assert response.status_code == 503

    def test_certificate_endpoint_answering_nonsense_is_503(self, app, google_identity):
        app.config["GOOGLE_CERTS_URL"] = google_identity.url + "/o/oauth2/v2/auth"  # 400, JSON but no certs
        response = sign_in(app.test_client(), google_identity.mint_id_token())
        assert response.status_code == 503

    def test_a_jwk_set_is_a_configuration_error_not_a_pass(self, client, google_identity):
        google_identity.extra_certificates["keys"] = [{"kty": "RSA", "kid": google_identity.kid}]
        response = sign_in(client, google_identity.mint_id_token())
        assert response.status_code == 503
        assert "v1" in response.get_json()["message"]

    def test_certificates_are_fetched_once_while_fresh(self, client, google_identity):
        for n in range(5):
            google_identity.account["sub"] = f"sub-{n}"
            google_identity.account["email"] = f"user{n}@acme.example"
            assert sign_in(client, google_identity.mint_id_token()).status_code == 200
        assert google_identity.cert_fetches == 1

    def test_no_store_certificates_are_fetched_every_time(self, client, google_identity):
        google_identity.cache_control = "no-store"
        for _ in range(3):
            assert sign_in(client, google_identity.mint_id_token()).status_code == 200
        assert google_identity.cert_fetches == 3

    def test_a_failed_fetch_is_not_cached(self, client, google_identity):
        google_identity.certs_down = True
        assert sign_in(client, google_identity.mint_id_token()).status_code == 503
        google_identity.certs_down = False
        assert sign_in(client, google_identity.mint_id_token()).status_code == 200

    def test_an_unknown_key_refetches_only_when_the_cache_is_not_new(self, app, client, google_identity):
        from threadbook.google.id_tokens import MIN_REFETCH_SECONDS, certificates_request

        assert sign_in(client, google_identity.mint_id_token()).status_code == 200
        rotated = make_rsa_key()
        token = google_identity.mint_id_token(header={"kid": "rotated"}, signing_key=rotated)
        assert sign_in(client, token).status_code == 401  # cache brand new: no refetch on demand
        assert google_identity.cert_fetches == 1
        from ...fakes.google_identity import self_signed_certificate_pem

        google_identity.extra_certificates["rotated"] = self_signed_certificate_pem(rotated)
        request = certificates_request(app)
        request._clock = lambda: time.monotonic() + MIN_REFETCH_SECONDS + 1
        assert sign_in(client, token).status_code == 200  # Google rotated its keys: one refetch
        assert google_identity.cert_fetches == 2


def test_sign_in_is_503_until_a_client_id_is_configured(app, google_identity):
    app.config["GOOGLE_CLIENT_IDS"] = []
    response = sign_in(app.test_client(), google_identity.mint_id_token())
    assert response.status_code == 503
    assert "GOOGLE_CLIENT_ID" in response.get_json()["message"]


def test_any_of_several_client_ids_is_accepted(app, google_identity):
    app.config["GOOGLE_CLIENT_IDS"] = ["first.apps.googleusercontent.com", CLIENT_ID]
    assert sign_in(app.test_client(), google_identity.mint_id_token()).status_code == 200
    assert sign_in(app.test_client(), google_identity.mint_id_token(aud="third")).status_code == 401


def test_public_config_names_the_first_client_id(app, client):
    app.config["GOOGLE_CLIENT_IDS"] = ["first.apps.googleusercontent.com", "second"]
    body = client.get("/api/v1/config").get_json()
    assert body["google_client_id"] == "first.apps.googleusercontent.com"
    assert body["dev_signin"] is False
    app.config["GOOGLE_CLIENT_IDS"] = []
    assert client.get("/api/v1/config").get_json()["google_client_id"] is None


def test_a_successful_sign_in_is_audited(client, google_identity, db):
    sign_in(client, google_identity.mint_id_token())
    actions = [a.action for a in AuditLog.select().order_by(AuditLog.id)]
    assert actions == ["org.created", "user.joined", "signin"]
    assert AuditLog.get(AuditLog.action == "signin").ip == "127.0.0.1"


class TestFakeAuthorisationEndpoint:
    """The implicit flow the extension runs, against tests/fakes/google_identity.py, ends in a session."""

    def authorise(self, google_identity, **query):
        import requests

        params = {
            "client_id": CLIENT_ID,
            "redirect_uri": "https://jkepanmacpnmjgfgkefaagampdbnmmal.chromiumapp.org/",
            "response_type": "id_token token",
            "scope": "openid email profile https://www.googleapis.com/auth/gmail.readonly",
            "nonce": "nonce-42",
            "state": "state-7",
            **query,
        }
        return requests.get(google_identity.url + "/o/oauth2/v2/auth", params=params, allow_redirects=False, timeout=5)

    def test_redirects_with_an_id_token_that_signs_in_with_its_nonce(self, client, google_identity):
        from urllib.parse import parse_qs, urlparse

        response = self.authorise(google_identity, login_hint="grace@acme.example")
        assert response.status_code == 302
        location = urlparse(response.headers["Location"])
        assert location.netloc == "jkepanmacpnmjgfgkefaagampdbnmmal.chromiumapp.org"
        fragment = {k: v[0] for k, v in parse_qs(location.fragment).items()}
        assert fragment["state"] == "state-7"
        assert fragment["access_token"].startswith("ya29.")
        assert google_identity.access_tokens[fragment["access_token"]] == "grace@acme.example"
        body = sign_in(client, fragment["id_token"], nonce="nonce-42").get_json()
        assert body["user"]["email"] == "grace@acme.example"
        assert sign_in(client, fragment["id_token"], nonce="another").status_code == 401

    @pytest.mark.parametrize("query", [{"client_id": "unknown"}, {"nonce": None}, {"response_type": "code"}, {"redirect_uri": None}])
    def test_refuses_what_google_refuses(self, google_identity, query):
        response = self.authorise(google_identity, **query)
        assert response.status_code == 400
        assert response.json()["error"] in ("invalid_client", "invalid_request")
