"""Google OAuth for mail sync: authorisation code + PKCE, refresh, revoke, delegation (and its check).

A user connects their mailbox through Google's authorisation endpoint with
``access_type=offline`` and a PKCE S256 challenge; the backend exchanges the
code at ``GOOGLE_TOKEN_URI`` for a refresh token. A Workspace administrator may
instead upload a service-account key with domain-wide delegation; its
credentials sign a JWT for each user (``sub``) and the token URI in the key is
replaced by the configured one, so tests and proxies work alike.

Tokens and keys never reach a log: errors quote only Google's error code and
description.
"""

import base64
import binascii
import hashlib
import json
import secrets
from urllib.parse import urlencode

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth import exceptions as google_auth_exceptions
from google.auth.transport import requests as google_auth_requests
from google.oauth2 import credentials as user_credentials_module
from google.oauth2 import service_account

from threadbook.google.calendar import CALENDAR_SCOPES
from threadbook.json_limits import nests_deeper_than

GOOGLE_AUTH_URI = "https://accounts.google.com/o/oauth2/v2/auth"
GOOGLE_REVOKE_URI = "https://oauth2.googleapis.com/revoke"
GMAIL_MODIFY = "https://www.googleapis.com/auth/gmail.modify"
# gmail.modify is the least that sync needs: reading with a search query (which
# gmail.metadata refuses) and adding labels to messages (which gmail.labels cannot).
SYNC_SCOPES = (GMAIL_MODIFY,)
# Calendar sync asks for its own scopes in the same consent; a user may untick
# them, and mail sync still connects (calendar_sync skips that mailbox).
CONNECT_SCOPES = ("openid", "email", *SYNC_SCOPES, *CALENDAR_SCOPES)
TIMEOUT_SECONDS = 15
MAX_SERVICE_ACCOUNT_KEY_BYTES = 16 * 1024


class OAuthError(Exception):
    """Google's token endpoint refused a request; ``error`` is its error code."""

    def __init__(self, error, description="", status=None):
        super().__init__(f"{error}: {description}" if description else error)
        self.error = error
        self.description = description
        self.status = status


class InvalidGrant(OAuthError):
    """The code, refresh token or assertion is expired, revoked or wrong."""


class DelegationRefused(OAuthError):
    """Google refused a service account acting for a user: domain-wide delegation is not set up for it."""


class InvalidServiceAccountKey(ValueError):
    """The uploaded JSON is not a usable service-account key."""


def new_code_verifier():
    """Return a fresh PKCE code verifier (86 characters of the unreserved set)."""
    return secrets.token_urlsafe(64)


def code_challenge(verifier):
    """Return the S256 PKCE challenge for a verifier (RFC 7636 section 4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorization_url(auth_uri, client_id, redirect_uri, state, challenge, scopes=CONNECT_SCOPES, login_hint=None):
    """Return the URL of Google's consent page for an offline, PKCE-protected code."""
    params = {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": " ".join(scopes),
        "access_type": "offline",
        # Without prompt=consent Google omits the refresh token on a second connect.
        "prompt": "consent",
        "include_granted_scopes": "true",
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    if login_hint:
        params["login_hint"] = login_hint
    separator = "&" if "?" in auth_uri else "?"
    return auth_uri + separator + urlencode(params)


def _token_request(token_uri, form):
    try:
        response = requests.post(token_uri, data=form, timeout=TIMEOUT_SECONDS, headers={"Accept": "application/json"})
    except requests.RequestException as exc:
        raise OAuthError("unreachable", f"Google's token endpoint did not answer ({exc.__class__.__name__}).") from exc
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code != 200 or "access_token" not in body:
        error = body.get("error") or f"http_{response.status_code}"
        description = body.get("error_description") or ""
        cls = InvalidGrant if error == "invalid_grant" else OAuthError
        raise cls(error, description, response.status_code)
    return body


def exchange_code(token_uri, client_id, client_secret, code, verifier, redirect_uri):
    """Exchange an authorisation code for tokens; return Google's JSON (access_token, refresh_token, scope…)."""
    return _token_request(
        token_uri,
        {
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": verifier,
            "redirect_uri": redirect_uri,
            "client_id": client_id,
            "client_secret": client_secret,
        },
    )


def id_token_claims(tokens):
    """Return the claims of the ID token in a code exchange's answer (``sub``, ``email``…), or {} without one.

    Not verified, as OpenID Connect allows (Core 3.1.3.7, item 6) for a token
    that came straight from the token endpoint over TLS in answer to our own
    client's authenticated request: nobody else could have put it there.
    """
    token = tokens.get("id_token")
    if not isinstance(token, str) or token.count(".") != 2:
        return {}
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, binascii.Error):
        return {}
    return claims if isinstance(claims, dict) else {}


def refresh_access_token(token_uri, client_id, client_secret, refresh_token):
    """Return Google's JSON for a new access token; InvalidGrant when the refresh token is revoked."""
    return _token_request(
        token_uri,
        {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client_id, "client_secret": client_secret},
    )


def revoke(revoke_uri, token):
    """Revoke a refresh or access token at Google; return True when Google accepted it.

    A token Google no longer knows (already revoked or expired) answers 400
    ``invalid_token``: the outcome the caller wanted, so that is True too.
    """
    try:
        response = requests.post(revoke_uri, data={"token": token}, timeout=TIMEOUT_SECONDS)
    except requests.RequestException:
        return False
    if response.status_code == 200:
        return True
    try:
        return response.json().get("error") == "invalid_token"
    except ValueError:
        return False


def user_credentials(refresh_token, token_uri, client_id, client_secret, scopes=SYNC_SCOPES):
    """Return google-auth credentials that refresh themselves at ``token_uri``."""
    return user_credentials_module.Credentials(
        token=None,
        refresh_token=refresh_token,
        token_uri=token_uri,
        client_id=client_id,
        client_secret=client_secret,
        scopes=list(scopes),
    )


def validate_service_account_key(value):
    """Return the key as a dict after checking it is a usable service-account key.

    Accepts the JSON text Google's console downloads, or the parsed object.
    """
    if isinstance(value, str):
        try:
            size = len(value.encode())
        except UnicodeEncodeError:  # a lone surrogate, which JSON's \ud800 escape can carry
            raise InvalidServiceAccountKey("The key is not valid Unicode text; upload the JSON key file from Google Cloud's console.") from None
        if size > MAX_SERVICE_ACCOUNT_KEY_BYTES:
            raise InvalidServiceAccountKey("The key file is too large to be a service-account key.")
        if nests_deeper_than(value):  # json.loads would recurse into it: RecursionError, a 500
            raise InvalidServiceAccountKey("The key is not a service-account key: it nests far deeper than one.")
        try:
            value = json.loads(value)
        except ValueError:
            raise InvalidServiceAccountKey("The key is not valid JSON; upload the JSON key file from Google Cloud's console.") from None
    if not isinstance(value, dict):
        raise InvalidServiceAccountKey("The key must be the JSON object of a service-account key file.")
    if value.get("type") != "service_account":
        raise InvalidServiceAccountKey("The key's 'type' must be 'service_account' (create a key for a service account, not an OAuth client).")
    for field in ("client_email", "private_key", "private_key_id", "client_id"):
        if not isinstance(value.get(field), str) or not value[field].strip():
            raise InvalidServiceAccountKey(f"The key has no '{field}'; download a new JSON key for the service account.")
    if "@" not in value["client_email"]:
        raise InvalidServiceAccountKey("The key's 'client_email' is not an address.")
    try:
        private_key = serialization.load_pem_private_key(value["private_key"].encode(), password=None)
    except (ValueError, TypeError):
        raise InvalidServiceAccountKey("The key's 'private_key' is not an unencrypted PEM private key.") from None
    if not isinstance(private_key, rsa.RSAPrivateKey):
        raise InvalidServiceAccountKey("The key's 'private_key' must be an RSA key, as Google issues.")
    keep = ("type", "project_id", "private_key_id", "private_key", "client_email", "client_id", "token_uri")
    return {k: value[k] for k in keep if k in value}


def delegated_credentials(key_info, subject, token_uri, scopes=SYNC_SCOPES):
    """Return service-account credentials acting as ``subject`` (domain-wide delegation)."""
    info = dict(key_info, token_uri=token_uri)
    return service_account.Credentials.from_service_account_info(info, scopes=list(scopes), subject=subject)


def refresh_error_code(exc):
    """Return Google's error code from a google-auth RefreshError (e.g. 'invalid_grant'), or ''."""
    if not isinstance(exc, google_auth_exceptions.RefreshError):
        return ""
    for arg in exc.args[1:]:
        if isinstance(arg, dict) and arg.get("error"):
            return str(arg["error"])
    text = str(exc.args[0]) if exc.args else ""
    return text.split(":", 1)[0].strip() if ":" in text else ""


def is_revoked_grant(exc):
    """Return True when a refresh failed because the grant is gone (user must reconnect).

    ``unauthorized_client`` is what a service account gets once an admin
    removes its domain-wide delegation.
    """
    return refresh_error_code(exc) in ("invalid_grant", "unauthorized_client", "access_denied")


def check_delegation(key_info, subject, token_uri, scopes=SYNC_SCOPES):
    """Ask Google for a token acting as ``subject``: it proves domain-wide delegation is set up.

    Raise DelegationRefused with Google's error code, or OAuthError ``unreachable``.
    """
    credentials = delegated_credentials(key_info, subject, token_uri, scopes=scopes)
    try:
        credentials.refresh(google_auth_requests.Request())
    except google_auth_exceptions.RefreshError as exc:
        raise DelegationRefused(refresh_error_code(exc) or "refused") from exc
    except google_auth_exceptions.TransportError:
        raise OAuthError("unreachable", "Google's token endpoint did not answer.") from None
