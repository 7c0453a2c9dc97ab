"""Sign in: a Google ID token (or, in development only, an address) becomes a session token.

``POST /api/v1/session`` ``{"id_token", "nonce"?}`` and ``POST /api/v1/session/dev``
``{"email", "name"?}`` both answer ``{"token", "expires_at", "user", "org"}``.
identity/session_start.py checks, signs in and audits every refusal.
"""

from flask import Blueprint, current_app

from threadbook.api import openapi as doc
from threadbook.api import public
from threadbook.api.identity_json import INVITATION_SCHEMA, MEMBER_SCHEMA, ORG_SCHEMA, org_json, user_json
from threadbook.api.params import json_body, string
from threadbook.api.web_security import dev_signin_refusal
from threadbook.crm.serializers import iso
from threadbook.errors import ApiError
from threadbook.identity import session_start
from threadbook.identity.session_start import SignInUnavailable
from threadbook.identity.signin import SignInRefused
from threadbook.seed import DEMO_DOMAIN

bp = Blueprint("session", __name__)


@bp.post("/session")
@public
def create_session():
    """Exchange a Google ID token for a session token."""
    body = json_body()
    nonce = string(body, "nonce", max_length=512)
    try:
        return _session_json(session_start.with_google(body.get("id_token"), nonce))
    except SignInRefused as exc:
        raise _refused(exc) from exc
    except SignInUnavailable as exc:
        raise ApiError(503, str(exc), code=exc.code, headers={"Retry-After": str(exc.retry_after)} if exc.retry_after else None) from exc


@bp.post("/session/dev")
@public
def create_dev_session():
    """Sign in as any address, without Google: only when enabled, on loopback, from loopback, addressed to loopback."""
    try:
        refusal = dev_signin_refusal(current_app.config)
        if refusal:
            session_start.refuse_dev(refusal)
        body = json_body()
        email = string(body, "email", required=True, max_length=254)
        name = string(body, "name", max_length=200, default="")
        session = session_start.for_dev(email, name)
        answer = _session_json(session)
        if session.org.domain != DEMO_DOMAIN:
            answer["notice"] = _outside_the_demo(session)
        return answer
    except SignInRefused as exc:
        raise _refused(exc) from exc


def _refused(exc):
    # A token that proves nothing asks for another (WWW-Authenticate); a proven identity refused does not.
    headers = {"WWW-Authenticate": 'Bearer realm="threadbook"'} if exc.reason == "invalid_token" else None
    return ApiError(exc.status, exc.message, headers=headers)


def _outside_the_demo(session):
    """Why a development sign-in shows none of the demo's records: only the demo domain joins the demo organisation."""
    return (
        f"You are in '{session.org.name}', not the demo organisation: development sign-in puts only @{DEMO_DOMAIN} addresses "
        f"there (for example demo@{DEMO_DOMAIN}, seeded by `make db`); {session.user.email} gets an organisation of its own."
    )


def _session_json(session):
    return {"token": session.token, "expires_at": iso(session.expires_at), "user": user_json(session.user), "org": org_json(session.org)}


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
            "fetched, or Google isn't set up on this backend (`google_not_configured`: no GOOGLE_CLIENT_ID).",
            "tags": ["auth"],
            "requestBody": doc.json_body(_ID_TOKEN_BODY),
            "responses": {"200": _SIGNED_IN, **doc.errors(400, 401, 403, 409, 429, 503)},
        }
    },
    "/api/v1/session/dev": {
        "post": {
            "summary": "Development sign-in without Google (off unless THREADBOOK_DEV_SIGNIN; loopback only)",
            "description": f"Only @{DEMO_DOMAIN} addresses join the demo organisation; any other address gets an organisation of its own "
            "(by its domain, or a personal one), and the answer's `notice` says so.",
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
            "notice": {"type": "string", "description": "Development sign-in outside the demo domain: why the demo's records are not there."},
        },
    },
}
