"""A fake of Google's OAuth 2.0 endpoints for mailbox connection, in Google's JSON shapes.

Serves, as Google does at oauth2.googleapis.com and accounts.google.com:
- ``POST /token``: ``authorization_code`` (checks client secret, redirect URI and
  the PKCE S256 verifier; a code works once), ``refresh_token``, and the
  service-account JWT bearer grant (checks the RS256 signature with the
  registered key, ``aud`` and the delegation of ``sub``);
- ``POST /revoke``: revokes a refresh token (and the access tokens made from
  it) or an access token;
- ``GET /o/oauth2/v2/auth``: consents at once for ``login_hint`` (or the
  default account) and redirects to ``redirect_uri`` with ``code`` and ``state``.

Each account has a stable ``sub`` (``sub_for``); a code exchange whose scope has
``openid`` answers an ``id_token`` naming it, as Google does, and
``rename_account`` gives an account a new address under the same ``sub``.
Revocations are recorded (``revocations``), and ``fail_revocations`` makes the
next ones answer Google's 503.

Errors are Google's: ``{"error": "invalid_grant", "error_description": ...}``.
``FakeGoogleOAuth.email_for_access_token`` lets the fake Gmail API tell whose
mailbox an access token opens.
"""

import base64
import functools
import hashlib
import secrets
import threading
import time
from urllib.parse import parse_qs, urlencode, urlparse

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, jsonify, redirect, request

CLIENT_ID = "threadbook-test.apps.googleusercontent.com"
CLIENT_SECRET = "test-client-secret"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"


@functools.lru_cache(maxsize=4)
def rsa_private_key_pem(n=0):
    """Return a PEM RSA key (cached: generating one costs tens of milliseconds)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()


def _challenge(verifier):
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _error(status, error, description):
    response = jsonify(error=error, error_description=description)
    response.status_code = status
    return response


class FakeGoogleOAuth:
    """In-memory state of the fake token endpoint, and its WSGI app (``self.app``)."""

    def __init__(self, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, default_email="user@example.com"):
        self.clients = {client_id: client_secret}
        self.default_email = default_email
        self.codes = {}
        self.refresh_tokens = {}
        self.access_tokens = {}
        self.service_accounts = {}
        self.calls = []  # grant types and paths, in order, for assertions
        self.account_calls = []  # (account, grant type or "revoke") once the request names a known account
        self.exchanges = []  # the form of every authorization_code request, for assertions
        self.fail_next = []  # (status, error, description) answered before anything else
        self.accounts = {}  # address (lower case) -> sub, for accounts whose sub a test chose or that were renamed
        self.revocations = []  # (account address or None, token) of every revocation Google accepted
        self.fail_revocations = 0  # the next this many revocations answer 503, as Google does when unwell
        self.url = ""  # set by the test once served
        # Hooks so a fake API can honour these tokens: on_access_token(token, email, scopes), on_revoke(token).
        self.on_access_token = None
        self.on_revoke = None
        self._lock = threading.Lock()
        self.app = self._build_app()

    def reset(self):
        """Forget every code, token, account and call (a server shared across tests); keep url and hooks."""
        with self._lock:
            for store in (self.codes, self.refresh_tokens, self.access_tokens, self.service_accounts):
                store.clear()
            self.calls.clear()
            self.account_calls.clear()
            self.exchanges.clear()
            self.fail_next.clear()
            self.accounts.clear()
            self.revocations.clear()
            self.fail_revocations = 0

    # -- what a test does in Google's place --------------------------------
    def approve(self, authorization_url, email=None):
        """Consent on the user's behalf to an authorisation URL; return (code, state)."""
        query = {k: v[0] for k, v in parse_qs(urlparse(authorization_url).query).items()}
        code = self._issue_code(query, email or query.get("login_hint") or self.default_email)
        return code, query.get("state")

    def grant_refresh_token(self, email, scope="https://www.googleapis.com/auth/gmail.modify", client_id=None):
        """Return a refresh token for ``email`` as if the user had consented."""
        token = "1//" + secrets.token_urlsafe(32)
        with self._lock:
            self.refresh_tokens[token] = {"email": email, "scope": scope, "client_id": client_id or next(iter(self.clients)), "revoked": False}
        return token

    def sub_for(self, email):
        """The account's Google ``sub``: one a test set or a rename kept, else derived from the address as the identity fake does."""
        with self._lock:
            known = self.accounts.get(email.lower())
        return known or "1" + hashlib.sha256(email.encode()).hexdigest()[:20]

    def set_account(self, email, sub):
        """Give the account of ``email`` this ``sub`` (e.g. a signed-in user's)."""
        with self._lock:
            self.accounts[email.lower()] = sub

    def rename_account(self, old_email, new_email):
        """Google renames the account: same ``sub``, new address; its grants now belong to the new address."""
        sub = self.sub_for(old_email)
        with self._lock:
            self.accounts.pop(old_email.lower(), None)
            self.accounts[new_email.lower()] = sub
            for grant in list(self.refresh_tokens.values()) + list(self.access_tokens.values()):
                if grant["email"].lower() == old_email.lower():
                    grant["email"] = new_email
        return sub

    def revoked_for(self, email):
        """The tokens of ``email``'s account that Google revoked, in order."""
        return [token for who, token in self.revocations if who == email.lower()]

    def revoke_user(self, email):
        """Revoke every grant of ``email`` (the user removed access in their Google account)."""
        with self._lock:
            for grant in self.refresh_tokens.values():
                if grant["email"] == email:
                    grant["revoked"] = True
            gone = [t for t, a in self.access_tokens.items() if a["email"] == email]
            for token in gone:
                del self.access_tokens[token]
        self._revoked(gone)

    def register_service_account(self, domains, client_email="threadbook-sync@test-project.iam.gserviceaccount.com"):
        """Register a service account delegated for ``domains``; return its JSON key as Google issues it."""
        pem = rsa_private_key_pem()
        public = serialization.load_pem_private_key(pem.encode(), password=None).public_key()
        key_id = secrets.token_hex(20)
        with self._lock:
            self.service_accounts[client_email] = {"public_key": public, "domains": set(domains), "key_id": key_id}
        return {
            "type": "service_account",
            "project_id": "test-project",
            "private_key_id": key_id,
            "private_key": pem,
            "client_email": client_email,
            "client_id": "10" + "7" * 19,
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": "https://oauth2.googleapis.com/token",
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "universe_domain": "googleapis.com",
        }

    def email_for_access_token(self, token):
        """Return whose mailbox an unexpired access token opens, or None."""
        with self._lock:
            grant = self.access_tokens.get(token)
            if grant is None or grant["expires"] < time.time():
                return None
            return grant["email"]

    def expire_access_tokens(self):
        with self._lock:
            for grant in self.access_tokens.values():
                grant["expires"] = 0

    def calls_for(self, account):
        """Token endpoint requests made for ``account`` (refreshes, service-account grants, revocations)."""
        return [kind for who, kind in self.account_calls if who == account.lower()]

    def live_refresh_tokens(self, email=None):
        with self._lock:
            return [t for t, g in self.refresh_tokens.items() if not g["revoked"] and (email is None or g["email"] == email)]

    # -- internals -----------------------------------------------------------
    def _issue_code(self, query, email):
        code = "4/0" + secrets.token_urlsafe(24)
        with self._lock:
            self.codes[code] = {
                "client_id": query.get("client_id"),
                "redirect_uri": query.get("redirect_uri"),
                "challenge": query.get("code_challenge"),
                "method": query.get("code_challenge_method", "plain"),
                "scope": query.get("scope", ""),
                "offline": query.get("access_type") == "offline",
                "email": email,
            }
        return code

    def _access_token(self, email, scope, refresh_token=None):
        token = "ya29." + secrets.token_urlsafe(32)
        self.access_tokens[token] = {"email": email, "scope": scope, "refresh_token": refresh_token, "expires": time.time() + 3599}
        if self.on_access_token:
            self.on_access_token(token, email, scope.split())
        return token

    def _revoked(self, tokens):
        for token in tokens:
            if self.on_revoke:
                self.on_revoke(token)

    def _client_ok(self, form):
        return self.clients.get(form.get("client_id")) == form.get("client_secret") and form.get("client_id") in self.clients

    def _build_app(self):
        app = Flask("fake_google_oauth")

        @app.post("/token")
        def token():
            form = request.form
            grant_type = form.get("grant_type", "")
            self.calls.append(grant_type)
            if self.fail_next:
                status, error, description = self.fail_next.pop(0)
                return _error(status, error, description)
            if grant_type == "authorization_code":
                self.exchanges.append(form.to_dict())
                return self._authorization_code(form)
            if grant_type == "refresh_token":
                return self._refresh(form)
            if grant_type == JWT_BEARER:
                return self._jwt_bearer(form)
            return _error(400, "unsupported_grant_type", "Invalid grant_type: " + grant_type)

        @app.post("/revoke")
        def revoke():
            self.calls.append("revoke")
            token = request.form.get("token", "")
            if self.fail_revocations > 0:
                self.fail_revocations -= 1
                return _error(503, "temporarily_unavailable", "The service is currently unavailable.")
            with self._lock:
                known = self.refresh_tokens.get(token) or self.access_tokens.get(token)
                if known is not None:
                    self.account_calls.append((known["email"].lower(), "revoke"))
                if token in self.refresh_tokens and not self.refresh_tokens[token]["revoked"]:
                    self.refresh_tokens[token]["revoked"] = True
                    gone = [t for t, a in self.access_tokens.items() if a["refresh_token"] == token]
                    for t in gone:
                        del self.access_tokens[t]
                elif self.access_tokens.pop(token, None) is not None:
                    gone = [token]
                else:
                    return _error(400, "invalid_token", "Token expired or revoked")
                self.revocations.append((known["email"].lower(), token))
            self._revoked(gone)
            return jsonify({})

        @app.get("/o/oauth2/v2/auth")
        def authorize():
            query = request.args.to_dict()
            if query.get("client_id") not in self.clients:
                return _error(401, "invalid_client", "The OAuth client was not found.")
            if query.get("response_type") != "code" or not query.get("redirect_uri"):
                return _error(400, "invalid_request", "Required parameter is missing: response_type or redirect_uri")
            code = self._issue_code(query, query.get("login_hint") or self.default_email)
            params = {"code": code, "scope": query.get("scope", "")}
            if "state" in query:
                params["state"] = query["state"]
            return redirect(query["redirect_uri"] + "?" + urlencode(params))

        return app

    def _authorization_code(self, form):
        if not self._client_ok(form):
            return _error(401, "invalid_client", "Unauthorized")
        with self._lock:
            grant = self.codes.pop(form.get("code", ""), None)
        if grant is None:
            return _error(400, "invalid_grant", "Malformed auth code.")
        if grant["client_id"] != form.get("client_id"):
            return _error(400, "invalid_grant", "Malformed auth code.")
        if grant["redirect_uri"] != form.get("redirect_uri"):
            return _error(400, "redirect_uri_mismatch", "Bad Request")
        verifier = form.get("code_verifier")
        if grant["challenge"]:
            if not verifier:
                return _error(400, "invalid_grant", "Missing code verifier.")
            expected = _challenge(verifier) if grant["method"] == "S256" else verifier
            if expected != grant["challenge"]:
                return _error(400, "invalid_grant", "Invalid code verifier.")
        body = {"expires_in": 3599, "scope": grant["scope"], "token_type": "Bearer"}
        refresh_token = None
        if grant["offline"]:
            refresh_token = self.grant_refresh_token(grant["email"], grant["scope"], grant["client_id"])
            body["refresh_token"] = refresh_token
        with self._lock:
            body["access_token"] = self._access_token(grant["email"], grant["scope"], refresh_token)
        if "openid" in grant["scope"].split():
            body["id_token"] = self._id_token(grant)
        return jsonify(body)

    def _id_token(self, grant):
        """Google's ID token for the consenting account (RS256; the backend takes it as it came, over TLS, from here)."""
        now = int(time.time())
        claims = {
            "iss": "https://accounts.google.com",
            "aud": grant["client_id"],
            "azp": grant["client_id"],
            "sub": self.sub_for(grant["email"]),
            "email": grant["email"],
            "email_verified": True,
            "iat": now,
            "exp": now + 3600,
        }
        return jwt.encode(claims, rsa_private_key_pem(1), algorithm="RS256", headers={"kid": "fake-oauth"})

    def _refresh(self, form):
        if not self._client_ok(form):
            return _error(401, "invalid_client", "Unauthorized")
        with self._lock:
            grant = self.refresh_tokens.get(form.get("refresh_token", ""))
            if grant is not None:
                self.account_calls.append((grant["email"].lower(), "refresh_token"))
            if grant is None or grant["revoked"] or grant["client_id"] != form.get("client_id"):
                return _error(400, "invalid_grant", "Token has been expired or revoked.")
            # A refresh may narrow the scopes (google-auth sends those it wants), never widen them.
            granted = grant["scope"].split()
            wanted = form.get("scope", "").split() or granted
            if not set(wanted) <= set(granted):
                return _error(400, "invalid_scope", "Some requested scopes were not granted.")
            scope = " ".join(s for s in granted if s in wanted)
            access = self._access_token(grant["email"], scope, form["refresh_token"])
        return jsonify(access_token=access, expires_in=3599, scope=scope, token_type="Bearer")

    def _jwt_bearer(self, form):
        assertion = form.get("assertion", "")
        try:
            unverified = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.InvalidTokenError:
            return _error(400, "invalid_grant", "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.")
        account = self.service_accounts.get(unverified.get("iss"))
        if account is None:
            return _error(401, "invalid_client", "The OAuth client was not found.")
        try:
            # Google checks the audience against its own token URI, wherever the request was sent.
            claims = jwt.decode(assertion, account["public_key"], algorithms=["RS256"], audience=GOOGLE_TOKEN_AUDIENCE)
        except jwt.InvalidAudienceError:
            return _error(400, "invalid_grant", "Invalid JWT: Failed audience check.")
        except jwt.InvalidTokenError:
            return _error(400, "invalid_grant", "Invalid JWT Signature.")
        subject = claims.get("sub") or ""
        self.account_calls.append((subject.lower(), JWT_BEARER))
        if subject.rpartition("@")[2].lower() not in account["domains"]:
            return _error(
                401,
                "unauthorized_client",
                "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.",
            )
        with self._lock:
            access = self._access_token(subject, claims.get("scope", ""))
        return jsonify(access_token=access, expires_in=3599, token_type="Bearer")
