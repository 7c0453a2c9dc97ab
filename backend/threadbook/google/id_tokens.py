"""Verify a Google ID token completely, with google-auth and the checks it leaves out.

``google.oauth2.id_token.verify_token`` checks the RS256 signature against the
certificates at ``GOOGLE_CERTS_URL``, ``iat``/``exp`` (10 s of clock skew) and
``aud`` (only when given an audience, so one is always given). It does not check
the issuer, ``email_verified`` or a nonce, and a wrong issuer surfaces as
``GoogleAuthError`` rather than ``ValueError``; this module checks them all. The
Workspace domain (``hd``) depends on the organisation and is checked by
identity/signin.py.

Errors: ``InvalidIdToken`` (answer 401), ``CertificatesUnavailable`` and
``SignInNotConfigured`` (answer 503).
"""

import hmac
import json

import jwt
from flask import current_app
from google.auth import exceptions as google_exceptions
from google.auth import transport
from google.oauth2 import id_token as google_id_token

from threadbook.google.certs import CachingRequest
from threadbook.google.errors import NOT_CONFIGURED

ISSUERS = ("accounts.google.com", "https://accounts.google.com")
CLOCK_SKEW_SECONDS = 10
MAX_TOKEN_LENGTH = 16 * 1024
# An unknown key id may mean Google rotated its keys: refetch, but at most this often.
MIN_REFETCH_SECONDS = 60


class InvalidIdToken(Exception):
    """The token proves nothing; ``message`` says why in words a person can act on."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class CertificatesUnavailable(Exception):
    """Google's certificate endpoint did not give usable certificates."""


class SignInNotConfigured(Exception):
    """No client id is configured, so no token can be accepted."""


def certificates_request(app=None):
    """Return the app's caching transport for certificates (one per app and process)."""
    app = app or current_app._get_current_object()
    return app.extensions.setdefault("threadbook_google_certs", CachingRequest())


def verify_id_token(token, nonce=None):
    """Return the verified claims of a Google ID token, or raise."""
    config = current_app.config
    client_ids = list(config.get("GOOGLE_CLIENT_IDS") or [])
    if not client_ids:
        raise SignInNotConfigured(NOT_CONFIGURED)
    return verify(token, client_ids, config["GOOGLE_CERTS_URL"], certificates_request(), nonce=nonce)


def verify(token, client_ids, certs_url, request, nonce=None):
    """Verify ``token`` for any of ``client_ids`` against the certificates at ``certs_url``."""
    if not isinstance(token, str) or not token.strip():
        raise InvalidIdToken('No ID token was sent; send {"id_token": "..."} from Google sign-in.')
    token = token.strip()
    if len(token) > MAX_TOKEN_LENGTH:
        raise InvalidIdToken("The ID token is too long to be a Google ID token.")
    if not token.isascii():  # a JWT is base64url and dots; anything else (a lone surrogate) cannot even be encoded
        raise InvalidIdToken("The ID token holds characters no Google ID token has.")
    header = _unverified_header(token)
    if header.get("alg") != "RS256":
        raise InvalidIdToken(f"The ID token is signed with {header.get('alg')!r}; Google signs ID tokens with RS256.")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise InvalidIdToken("The ID token names no signing key (kid); it was not issued by Google.")
    response, certs = _certificates_knowing(kid, certs_url, request)
    if kid not in certs:
        raise InvalidIdToken("The ID token is signed by a key Google does not publish (unknown key id).")
    try:
        claims = google_id_token.verify_token(token, _Answered(response), audience=client_ids, certs_url=certs_url, clock_skew_in_seconds=CLOCK_SKEW_SECONDS)
    except google_exceptions.TransportError as exc:
        raise CertificatesUnavailable(_unavailable_message(certs_url)) from exc
    except (google_exceptions.GoogleAuthError, ValueError, TypeError, KeyError) as exc:
        raise InvalidIdToken(_explain(exc)) from exc
    _check_claims(claims, client_ids, nonce)
    return claims


def _unverified_header(token):
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise InvalidIdToken("The ID token is not a JWT; send the id_token Google returned.") from None
    if not isinstance(header, dict):
        raise InvalidIdToken("The ID token is not a JWT; send the id_token Google returned.")
    return header


class _Answered(transport.Request):
    """Hand verify_token the certificates this verification already has, so they are fetched once (or not at all)."""

    def __init__(self, response):
        self._response = response

    def __call__(self, url, method="GET", body=None, headers=None, timeout=None, **kwargs):
        return self._response


def _certificates_knowing(kid, certs_url, request):
    """Return (response, certificates), refetched once if they lack ``kid`` and are not brand new."""
    response, certs = _certificates(certs_url, request)
    age = request.age(certs_url) if isinstance(request, CachingRequest) else None
    if kid not in certs and age is not None and age >= MIN_REFETCH_SECONDS:
        request.invalidate(certs_url)
        response, certs = _certificates(certs_url, request)
    return response, certs


def _certificates(certs_url, request):
    try:
        response = request(certs_url, method="GET")
    except google_exceptions.TransportError as exc:
        raise CertificatesUnavailable(_unavailable_message(certs_url)) from exc
    if response.status != 200:
        raise CertificatesUnavailable(_unavailable_message(certs_url, f"it answered HTTP {response.status}"))
    try:
        certs = json.loads(response.data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        certs = None
    if not isinstance(certs, dict) or not certs:
        raise CertificatesUnavailable(_unavailable_message(certs_url, "its answer holds no certificates"))
    if "keys" in certs:
        # verify_token checks JWK sets with PyJWT, without the clock skew; Google's v1 format is what we test.
        raise CertificatesUnavailable(
            f"{certs_url} publishes a JWK set; set GOOGLE_CERTS_URL to Google's v1 certificates (https://www.googleapis.com/oauth2/v1/certs)."
        )
    return response, certs


def _unavailable_message(certs_url, why="it did not answer"):
    return f"Google's sign-in certificates could not be fetched from {certs_url} ({why}); try again in a minute."


def _explain(exc):
    """Turn google-auth's wording into a message for the person signing in."""
    text = str(exc)
    if text.startswith("Token expired"):
        return "The ID token has expired; sign in again."
    if text.startswith("Token used too early"):
        return "The ID token is issued in the future; check this computer's clock and sign in again."
    if "wrong audience" in text:
        return "The ID token was issued for another application (audience); sign in from Threadbook."
    if "required claim" in text:
        return "The ID token lacks a required claim (iat or exp); it was not issued by Google."
    if "signature" in text:
        return "The ID token's signature does not verify; it was not issued by Google or was altered."
    return "The ID token could not be verified; sign in again."


def _check_claims(claims, client_ids, nonce):
    if claims.get("iss") not in ISSUERS:
        raise InvalidIdToken("The ID token was not issued by Google (issuer); sign in with Google.")
    # verify_token checks these, but not on every certificate format: be certain.
    for name in ("iat", "exp"):
        if isinstance(claims.get(name), bool) or not isinstance(claims.get(name), (int, float)):
            raise InvalidIdToken(f"The ID token lacks a valid '{name}' claim; it was not issued by Google.")
    if claims.get("aud") not in client_ids:
        raise InvalidIdToken("The ID token was issued for another application (audience); sign in from Threadbook.")
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise InvalidIdToken("The ID token names no Google account (sub).")
    if not isinstance(claims.get("email"), str) or not claims["email"]:
        raise InvalidIdToken("The ID token carries no email address; ask for the 'email' scope.")
    # Google sends a JSON boolean; very old tokens sent the string "true".
    verified = claims.get("email_verified")
    if verified is not True and verified != "true":
        raise InvalidIdToken("Google has not verified this account's email address; verify it with Google first.")
    hd = claims.get("hd")
    if hd is not None and (not isinstance(hd, str) or not hd):
        raise InvalidIdToken("The ID token's Workspace domain (hd) is malformed.")
    if nonce is not None:
        token_nonce = claims.get("nonce")
        if not isinstance(token_nonce, str) or not hmac.compare_digest(token_nonce.encode(), nonce.encode()):
            raise InvalidIdToken("The ID token's nonce does not match this sign-in; start sign-in again.")
