"""Sign in: a Google ID token (or, in development only, an address) becomes a session token.

``POST /api/v1/session`` ``{"id_token", "nonce"?}`` and ``POST /api/v1/session/dev``
``{"email", "name"?}`` both answer ``{"token", "expires_at", "user", "org"}``.
Every refusal is written to the audit log with its reason.
"""

from flask import Blueprint, current_app

from threadbook import audit
from threadbook.api import openapi as doc
from threadbook.api import public
from threadbook.api.identity_json import INVITATION_SCHEMA, MEMBER_SCHEMA, ORG_SCHEMA, org_json, user_json
from threadbook.api.params import json_body, string
from threadbook.api.web_security import dev_signin_refusal
from threadbook.crm.serializers import iso
from threadbook.db import write_transaction
from threadbook.errors import ApiError
from threadbook.google.id_tokens import CertificatesUnavailable, InvalidIdToken, SignInNotConfigured, verify_id_token
from threadbook.identity import nonces as signin_nonces
from threadbook.identity.sessions import issue_session
from threadbook.identity.signin import Identity, SignInRefused, sign_in
from threadbook.models import Organization

bp = Blueprint("session", __name__, url_prefix="/api/v1")

CERTS_RETRY_AFTER_SECONDS = 30


@bp.post("/session")
@public
def create_session():
    """Exchange a Google ID token for a session token."""
    body = json_body()
    nonce = string(body, "nonce", max_length=512)
    token = body.get("id_token")
    try:
        if not nonce:
            raise InvalidIdToken("Send the 'nonce' this sign-in asked Google with: an ID token without it could be replayed.")
        claims = verify_id_token(token, nonce=nonce)
        if not signin_nonces.claim(nonce, claims["exp"]):
            raise InvalidIdToken("This sign-in was already used; sign in again.")
    except InvalidIdToken as exc:
        _record_refusal("invalid_token", exc.message, method="google")
        raise ApiError(401, exc.message, headers={"WWW-Authenticate": 'Bearer realm="threadbook"'})
    except CertificatesUnavailable as exc:
        raise ApiError(503, str(exc), headers={"Retry-After": str(CERTS_RETRY_AFTER_SECONDS)})
    except SignInNotConfigured as exc:
        raise ApiError(503, str(exc))
    return _sign_in(Identity.from_google(claims))


@bp.post("/session/dev")
@public
def create_dev_session():
    """Sign in as any address, without Google: only when enabled, on loopback, from loopback, addressed to loopback."""
    refusal = dev_signin_refusal(current_app.config)
    if refusal:
        _record_refusal("dev_signin_refused", refusal, method="dev")
        raise ApiError(403, refusal)
    body = json_body()
    email = string(body, "email", required=True, max_length=254)
    name = string(body, "name", max_length=200, default="")
    try:
        identity = Identity.for_dev(email, name)
    except SignInRefused as exc:
        _record_refusal(exc.reason, exc.message, method="dev", email=email)
        raise ApiError(exc.status, exc.message)
    return _sign_in(identity)


def _sign_in(identity):
    try:
        user = sign_in(identity)
    except SignInRefused as exc:
        _record_refusal(exc.reason, exc.message, org=exc.org, method="dev" if identity.dev else "google", email=identity.email)
        raise ApiError(exc.status, exc.message)
    token, expires = issue_session(user)
    return {"token": token, "expires_at": iso(expires), "user": user_json(user), "org": org_json(Organization.get_by_id(user.org_id))}


def _record_refusal(reason, message, org=None, **detail):
    with write_transaction():
        audit.record("signin.refused", org=org, reason=reason, message=message, **detail)


_ID_TOKEN_BODY = {
    "type": "object",
    "required": ["id_token", "nonce"],
    "properties": {
        "id_token": {"type": "string", "description": "The ID token from Google's authorisation endpoint."},
        "nonce": {"type": "string", "description": "The nonce the sign-in asked Google with: it must equal the token's, and is accepted once."},
    },
}
_DEV_BODY = {"type": "object", "required": ["email"], "properties": {"email": {"type": "string"}, "name": {"type": "string"}}}
_SIGNED_IN = doc.json_response("Signed in.", doc.ref("Session"))

OPENAPI_PATHS = {
    "/api/v1/session": {
        "post": {
            "summary": "Sign in with a Google ID token",
            "description": "401: the token is invalid or the account may not join its organisation; 403: the organisation "
            "admits invited people only; 429: too many attempts (Retry-After); 503: Google's certificates could not be "
            "fetched, or sign-in is not configured.",
            "tags": ["auth"],
            "requestBody": doc.json_body(_ID_TOKEN_BODY),
            "responses": {"200": _SIGNED_IN, **doc.errors(400, 401, 403, 409, 429, 503)},
        }
    },
    "/api/v1/session/dev": {
        "post": {
            "summary": "Development sign-in without Google (off unless THREADBOOK_DEV_SIGNIN; loopback only)",
            "tags": ["auth"],
            "requestBody": doc.json_body(_DEV_BODY),
            "responses": {"200": _SIGNED_IN, **doc.errors(400, 403, 409, 429)},
        }
    },
}

OPENAPI_SCHEMAS = {
    "Member": MEMBER_SCHEMA,
    "Organization": ORG_SCHEMA,
    "Invitation": INVITATION_SCHEMA,
    "Session": {
        "type": "object",
        "required": ["token", "expires_at", "user", "org"],
        "properties": {
            "token": {"type": "string", "description": "Send as 'Authorization: Bearer <token>'."},
            "expires_at": {"type": "string", "format": "date-time"},
            "user": doc.ref("Member"),
            "org": doc.ref("Organization"),
        },
    },
}
