"""A fake of Google Sign-In: ID tokens minted locally, the certificates endpoint, the authorisation endpoint.

Use it in a test::

    fake = FakeGoogleIdentity()                 # an RSA key and a self-signed certificate
    token = fake.mint_id_token(email="ada@acme.example", hd="acme.example")
    # any claim may be overridden; a claim set to None is left out:
    expired = fake.mint_id_token(exp=time.time() - 3600, iat=time.time() - 7200)
    no_exp = fake.mint_id_token(exp=None)
    # odd headers or another key: mint_id_token(header={"kid": "nope"}), mint_id_token(signing_key=other_key)

    with ServerThread(fake.app) as server:      # tests/fakes/server.py
        app_settings = fake.app_settings(server.url)  # GOOGLE_CERTS_URL + GOOGLE_CLIENT_IDS for create_app

The ``google_identity`` fixture (tests/conftest.py) serves one for the whole
session and resets it before each test; ``google_identity.settings`` is the
app configuration that points the backend at it.

Endpoints, answering in Google's wire format:

- ``GET /oauth2/v1/certs``: ``{kid: PEM certificate}`` with
  ``Cache-Control: public, max-age=...`` (``cache_control``); every fetch is
  counted in ``cert_fetches``; ``certs_down = True`` makes it answer 503.
- ``GET /o/oauth2/v2/auth``: the implicit flow ``chrome.identity.launchWebAuthFlow``
  uses (``response_type=id_token`` or ``id_token token``). It signs in
  ``account`` (or ``login_hint``'s address) at once and redirects to
  ``redirect_uri#id_token=...&access_token=...&token_type=Bearer&expires_in=3599&state=...``,
  with the request's ``nonce`` inside the ID token. Unknown ``client_id`` or a
  missing ``nonce`` for an ID token answer 400, as Google does. Access tokens are
  made by ``access_token_issuer(email, scope)`` when given (e.g. a
  ``FakeGoogleOAuth``'s, so the fake Gmail API accepts them), else random.
  ``response_type=code`` belongs to tests/fakes/google_oauth.py; a combined app
  can dispatch on it and call ``implicit_flow_redirect(query)`` for the rest.
"""

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Blueprint, Flask, jsonify, redirect, request

from ..tls import self_signed

CLIENT_ID = "threadbook-test.apps.googleusercontent.com"
ISSUER = "https://accounts.google.com"
DEFAULT_ACCOUNT = {"sub": "110000000000000000001", "email": "ada@acme.example", "name": "Ada Lovelace", "hd": "acme.example"}


def make_rsa_key():
    """Return a new 2048-bit RSA private key (cryptography object)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def self_signed_certificate_pem(key, common_name="fake-google-signing"):
    """Return a PEM X.509 certificate for ``key``'s public half, as Google publishes them."""
    return self_signed(key, common_name).public_bytes(serialization.Encoding.PEM).decode()


def b64url(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def raw_jwt(header, claims, signature=b""):
    """Assemble a JWT from parts without signing it (for tokens no library would make)."""
    return ".".join([b64url(json.dumps(header)), b64url(json.dumps(claims)), b64url(signature)])


def hs256_with_public_key(fake, **claims):
    """Return an HS256 token whose HMAC key is the public certificate (the algorithm-confusion attack)."""
    header = {"alg": "HS256", "typ": "JWT", "kid": fake.kid}
    body = fake.claims(**claims)
    signing_input = b64url(json.dumps(header)) + "." + b64url(json.dumps(body))
    signature = hmac.new(fake.certificate_pem.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64url(signature)


class FakeGoogleIdentity:
    """One signing key, the tokens it mints and the WSGI app (``self.app``) that publishes it."""

    def __init__(self, client_id=CLIENT_ID, key=None, kid=None, account=None, access_token_issuer=None):
        self.client_id = client_id
        self.key = key or make_rsa_key()
        self.kid = kid or secrets.token_hex(20)
        self.certificate_pem = self_signed_certificate_pem(self.key)
        self.account = dict(account or DEFAULT_ACCOUNT)
        self.access_token_issuer = access_token_issuer
        self.access_tokens = {}  # token -> email, for tokens this fake made itself
        self.extra_certificates = {}  # kid -> PEM, published beside the signing certificate
        self.cache_control = "public, max-age=21600, must-revalidate, no-transform"
        self.certs_down = False
        self.cert_fetches = 0
        self.authorisations = []  # the query of every authorisation request, in order
        self._lock = threading.Lock()
        self.app = Flask("fake_google_identity")
        self.app.register_blueprint(self.blueprint())

    def reset(self):
        """Forget per-test state: counters, outages, extra certificates, the signed-in account."""
        self.account = dict(DEFAULT_ACCOUNT)
        self.extra_certificates = {}
        self.cache_control = "public, max-age=21600, must-revalidate, no-transform"
        self.certs_down = False
        self.cert_fetches = 0
        self.authorisations = []

    # -- tokens -----------------------------------------------------------------
    def claims(self, **overrides):
        """Return the claims of a valid ID token for ``account``, with ``overrides`` (None removes one)."""
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "azp": self.client_id,
            "aud": self.client_id,
            "sub": self.account["sub"],
            "email": self.account["email"],
            "email_verified": True,
            "name": self.account.get("name", ""),
            "iat": now,
            "exp": now + 3600,
            # Each sign-in asks Google with a fresh nonce; the backend accepts each once.
            "nonce": secrets.token_urlsafe(16),
        }
        if self.account.get("hd"):
            claims["hd"] = self.account["hd"]
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def mint_id_token(self, header=None, signing_key=None, **claims):
        """Return an RS256 ID token signed with this fake's key (or ``signing_key``)."""
        headers = {"kid": self.kid, **(header or {})}
        return jwt.encode(self.claims(**claims), signing_key or self.key, algorithm="RS256", headers=headers)

    def app_settings(self, url):
        """The backend configuration that points sign-in at this fake served at ``url``."""
        return {"GOOGLE_CERTS_URL": url + "/oauth2/v1/certs", "GOOGLE_CLIENT_IDS": [self.client_id]}

    # -- endpoints --------------------------------------------------------------
    def certificates(self):
        return {self.kid: self.certificate_pem, **self.extra_certificates}

    def implicit_flow_redirect(self, query):
        """Answer an authorisation request for an ID token: a redirect, or Google's 400."""
        self.authorisations.append(dict(query))
        response_types = set(query.get("response_type", "").split())
        if query.get("client_id") != self.client_id:
            return _oauth_error(400, "invalid_client", "The OAuth client was not found.")
        if not query.get("redirect_uri") or not response_types or not response_types <= {"id_token", "token"}:
            return _oauth_error(400, "invalid_request", "Required parameter is missing or unsupported: response_type or redirect_uri")
        if "id_token" in response_types and not query.get("nonce"):
            return _oauth_error(400, "invalid_request", "Missing required parameter: nonce")
        email = query.get("login_hint") or self.account["email"]
        fragment = {}
        if "id_token" in response_types:
            account_claims = {"email": email, "nonce": query["nonce"]}
            if email != self.account["email"]:
                account_claims["sub"] = "1" + hashlib.sha256(email.encode()).hexdigest()[:20]
            fragment["id_token"] = self.mint_id_token(**account_claims)
        if "token" in response_types:
            scope = query.get("scope", "")
            if self.access_token_issuer is not None:
                access = self.access_token_issuer(email, scope)
            else:
                access = "ya29.fake-" + secrets.token_urlsafe(24)
            with self._lock:
                self.access_tokens[access] = email
            fragment.update(access_token=access, token_type="Bearer", expires_in="3599", scope=scope)
        if "state" in query:
            fragment["state"] = query["state"]
        return redirect(query["redirect_uri"] + "#" + urlencode(fragment))

    def blueprint(self):
        """The endpoints as a blueprint, to mount in another fake app (e.g. an HTTPS accounts.google.com)."""
        bp = Blueprint(f"fake_google_identity_{id(self)}", __name__)

        @bp.get("/oauth2/v1/certs")
        def certs():
            with self._lock:
                self.cert_fetches += 1
            if self.certs_down:
                return jsonify(error={"code": 503, "message": "The service is currently unavailable.", "status": "UNAVAILABLE"}), 503
            response = jsonify(self.certificates())
            response.headers["Cache-Control"] = self.cache_control
            return response

        @bp.get("/o/oauth2/v2/auth")
        def authorize():
            return self.implicit_flow_redirect(request.args.to_dict())

        return bp


def _oauth_error(status, error, description):
    response = jsonify(error=error, error_description=description)
    response.status_code = status
    return response


def session_body(token, **extra):
    """The body of ``POST /api/v1/session`` for ``token``, with the nonce it carries (a fresh one when it carries none)."""
    try:
        nonce = jwt.decode(token, options={"verify_signature": False}).get("nonce")
    except jwt.PyJWTError:
        nonce = None
    return {"id_token": token, "nonce": nonce if isinstance(nonce, str) and nonce else secrets.token_urlsafe(16), **extra}
