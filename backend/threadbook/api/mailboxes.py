"""Mailbox sync: connect (OAuth code + PKCE, or the org's service account), status, sync now, pause, disconnect.

Connecting from the panel's settings:

1. ``POST /api/v1/mailbox/connect/start`` → ``{"authorization_url", "state"}``;
   the panel opens the URL (``chrome.identity.launchWebAuthFlow``);
2. Google redirects to ``redirect_uri`` with ``code`` and ``state``;
3. ``POST /api/v1/mailbox/connect/finish`` ``{"code", "state", "redirect_uri"}``:
   the backend exchanges the code at ``GOOGLE_TOKEN_URI`` with the PKCE
   verifier, checks the mailbox is the caller's own, and stores the refresh
   token encrypted.

The state is the PKCE verifier, the caller and the redirect URI, encrypted
and authenticated with the server's key and valid for 10 minutes, so the
verifier never leaves the server in clear and a state works only for the
user who started it. Tokens and keys are never returned or logged.
"""

import json
import logging
import secrets
from urllib.parse import urlparse

import google.auth.exceptions
import google.auth.transport.requests
from flask import Blueprint, current_app, g, jsonify

from threadbook import crypto, matching
from threadbook.api import openapi as doc
from threadbook.api.params import json_body, string
from threadbook.db import write_transaction
from threadbook.errors import ApiError
from threadbook.google import oauth
from threadbook.google.credentials import client_id, service_account_info
from threadbook.google.errors import GoogleApiError
from threadbook.google.gmail import Gmail
from threadbook.identity.sessions import admin_required
from threadbook.jobs import tasks
from threadbook.models import Mailbox, Organization, User
from threadbook.sync import connection

log = logging.getLogger(__name__)

bp = Blueprint("mailboxes", __name__, url_prefix="/api/v1")

STATE_MAX_AGE_SECONDS = 600


def _own_mailbox():
    return Mailbox.get_or_none((Mailbox.user == g.user.id) & (Mailbox.org == g.org.id))


def _status():
    user = User.get_by_id(g.user.id)
    return connection.status_of(user, g.org, _own_mailbox())


def _queue_sync(mailbox_id):
    """Queue a sync; a queue that is down must not fail the request that asked."""
    try:
        tasks.enqueue_sync(mailbox_id)
    except Exception:
        log.exception("could not queue a sync of mailbox %s", mailbox_id)


def _default_redirect_uri():
    origin = (current_app.config.get("ALLOWED_ORIGINS") or [""])[0]
    if origin.startswith("chrome-extension://"):
        return f"https://{origin.split('://', 1)[1].strip('/')}.chromiumapp.org/"
    return None


def _checked_redirect_uri(value):
    parsed = urlparse(value)
    if parsed.scheme not in ("https", "http") or not parsed.netloc:
        raise ApiError(400, "'redirect_uri' must be an absolute http(s) URL, e.g. https://<extension id>.chromiumapp.org/.", field="redirect_uri")
    return value


def _require_oauth_client():
    if not client_id(current_app.config) or not current_app.config.get("GOOGLE_CLIENT_SECRET"):
        raise ApiError(503, "Mailbox connection is not set up on this server: set GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET.")


@bp.get("/mailbox")
def get_mailbox():
    return _status()


@bp.post("/mailbox/connect/start")
def connect_start():
    _require_oauth_client()
    body = json_body()
    redirect_uri = string(body, "redirect_uri", max_length=500) or _default_redirect_uri()
    if not redirect_uri:
        raise ApiError(400, "'redirect_uri' is required (the extension's https://<id>.chromiumapp.org/).", field="redirect_uri")
    redirect_uri = _checked_redirect_uri(redirect_uri)
    verifier = oauth.new_code_verifier()
    state = crypto.encrypt(
        json.dumps({"u": g.user.id, "o": g.org.id, "v": verifier, "r": redirect_uri, "n": secrets.token_urlsafe(8)})
    )
    url = oauth.authorization_url(
        current_app.config["GOOGLE_AUTH_URI"],
        client_id(current_app.config),
        redirect_uri,
        state,
        oauth.code_challenge(verifier),
        login_hint=g.user.email,
    )
    return {"authorization_url": url, "state": state, "redirect_uri": redirect_uri}


@bp.post("/mailbox/connect/finish")
def connect_finish():
    _require_oauth_client()
    body = json_body()
    code = string(body, "code", required=True, max_length=2000)
    state_token = string(body, "state", required=True, max_length=4000)
    redirect_uri = string(body, "redirect_uri", required=True, max_length=500)
    try:
        state = json.loads(crypto.decrypt_fresh(state_token, STATE_MAX_AGE_SECONDS))
    except (crypto.DecryptionFailed, ValueError):
        raise ApiError(400, "The connection request is invalid or older than 10 minutes; start connecting again.", field="state")
    if state.get("u") != g.user.id or state.get("o") != g.org.id:
        raise ApiError(400, "This connection was started by another user; start connecting again.", field="state")
    if state.get("r") != redirect_uri:
        raise ApiError(400, "'redirect_uri' differs from the one the connection started with.", field="redirect_uri")
    config = current_app.config
    try:
        tokens = oauth.exchange_code(
            config["GOOGLE_TOKEN_URI"], client_id(config), config["GOOGLE_CLIENT_SECRET"], code, state["v"], redirect_uri
        )
    except oauth.InvalidGrant as exc:
        raise ApiError(400, f"Google refused the authorisation ({exc.description or exc.error}); start connecting again.", code="google_invalid_grant")
    except oauth.OAuthError as exc:
        raise ApiError(502, f"Google's token endpoint refused the exchange ({exc.error}); try again.", code="google_token_error")
    refresh_token = tokens.get("refresh_token")
    granted = set((tokens.get("scope") or "").split())
    revoke_later = [refresh_token] if refresh_token else []
    try:
        if not refresh_token:
            raise ApiError(400, "Google granted no offline access; start connecting again and allow access.", code="google_no_refresh_token")
        if oauth.GMAIL_MODIFY not in granted:
            raise ApiError(400, "Threadbook needs permission to read and label your Gmail; start again and tick every box.", code="google_scope_missing")
        address = _profile_address(tokens["access_token"])
        if matching.try_normalize(address) != g.user.email_normalized:
            raise ApiError(400, f"You chose the mailbox {address}, but you are signed in as {g.user.email}; connect your own mailbox.", code="wrong_mailbox")
        revoke_later = []
        with write_transaction():
            mailbox = connection.store_oauth_grant(g.user, refresh_token, " ".join(sorted(granted)), revoke_later)
    finally:
        # Revoke what we will not keep: a refused grant, or the token this one replaces.
        connection.revoke_all(revoke_later)
    _queue_sync(mailbox.id)
    return _status()


def _profile_address(access_token):
    try:
        return Gmail.for_access_token(access_token, current_app.config["GOOGLE_API_ROOT"]).get_profile()["emailAddress"]
    except GoogleApiError as exc:
        raise ApiError(502, f"Gmail did not answer for the new connection ({exc.status or 'unreachable'}); try again.", code="google_unavailable")


@bp.post("/mailbox/sync")
def sync_now():
    mailbox = _own_mailbox()
    if mailbox is None or mailbox.status == "disconnected":
        raise ApiError(404, "Your mailbox is not connected; connect it first.")
    if mailbox.status == "needs_reconnect":
        raise ApiError(409, "Google no longer accepts your mailbox's authorisation; connect it again.", code="needs_reconnect")
    if not g.org.sync_enabled:
        raise ApiError(409, "Your organisation has turned mail sync off; ask an administrator.", code="sync_disabled")
    if User.get_by_id(g.user.id).sync_paused:
        raise ApiError(409, "Your sync is paused; resume it first.", code="sync_paused")
    _queue_sync(mailbox.id)
    return jsonify(queued=True, mailbox=_status()), 202


@bp.post("/mailbox/pause")
def pause():
    with write_transaction():
        User.update(sync_paused=True).where(User.id == g.user.id).execute()
    return _status()


@bp.post("/mailbox/resume")
def resume():
    with write_transaction():
        User.update(sync_paused=False).where(User.id == g.user.id).execute()
    mailbox = _own_mailbox()
    if mailbox is not None and mailbox.status == "active" and g.org.sync_enabled:
        _queue_sync(mailbox.id)
    return _status()


@bp.delete("/mailbox")
def disconnect():
    revoke_later = []
    with write_transaction():
        mailbox = _own_mailbox()
        if mailbox is None or mailbox.status == "disconnected":
            raise ApiError(404, "Your mailbox is not connected.")
        connection.disconnect(mailbox, g.user, revoke_later)
    connection.revoke_all(revoke_later)
    return _status()


# -- administrators -----------------------------------------------------------------
@bp.get("/org/mailboxes")
@admin_required
def list_org_mailboxes():
    members = list(User.select().where(User.org == g.org.id).order_by(User.id))
    mailboxes = {m.user_id: m for m in Mailbox.select().where(Mailbox.org == g.org.id)}
    return {
        "service_account": _service_account_json(),
        "mailboxes": [{"user_id": u.id, **connection.status_of(u, g.org, mailboxes.get(u.id))} for u in members],
    }


@bp.delete("/org/mailboxes")
@admin_required
def disconnect_org():
    revoke_later = []
    with write_transaction():
        count = connection.disconnect_org(g.org, g.user, revoke_later)
    connection.revoke_all(revoke_later)
    return {"disconnected": count}


def _service_account_json():
    try:
        info = service_account_info(Organization.get_by_id(g.org.id))
    except crypto.DecryptionFailed:
        return {"configured": True, "client_email": None, "client_id": None}
    if info is None:
        return {"configured": False, "client_email": None, "client_id": None}
    return {"configured": True, "client_email": info["client_email"], "client_id": info["client_id"]}


@bp.get("/org/service-account")
@admin_required
def get_service_account():
    return _service_account_json()


@bp.put("/org/service-account")
@admin_required
def put_service_account():
    if not g.org.domain:
        raise ApiError(400, "A service account needs a Google Workspace organisation; a personal organisation connects each mailbox instead.")
    body = json_body()
    if "key" not in body:
        raise ApiError(400, "'key' is required: the service account's JSON key (the object, or its text).", field="key")
    try:
        info = oauth.validate_service_account_key(body["key"])
    except oauth.InvalidServiceAccountKey as exc:
        raise ApiError(400, str(exc), field="key")
    _check_delegation(info)
    with write_transaction():
        connection.set_service_account(g.org, info, g.user)
    for mailbox in Mailbox.select(Mailbox.id).where((Mailbox.org == g.org.id) & (Mailbox.kind == "service_account") & (Mailbox.status == "active")):
        _queue_sync(mailbox.id)
    return _service_account_json()


def _check_delegation(info):
    """Ask Google for a token acting as the caller: it proves domain-wide delegation is set up."""
    credentials = oauth.delegated_credentials(info, g.user.email, current_app.config["GOOGLE_TOKEN_URI"])
    try:
        credentials.refresh(google.auth.transport.requests.Request())
    except google.auth.exceptions.RefreshError as exc:
        code = oauth.refresh_error_code(exc) or "refused"
        raise ApiError(
            400,
            f"Google refused the service account acting for {g.user.email} ({code}). In the Admin console, "
            f"allow client id {info['client_id']} domain-wide delegation with the scope {oauth.GMAIL_MODIFY}.",
            field="key",
            code="delegation_refused",
        )
    except google.auth.exceptions.TransportError:
        raise ApiError(502, "Google's token endpoint did not answer; try again.", code="google_unavailable")


@bp.delete("/org/service-account")
@admin_required
def delete_service_account():
    with write_transaction():
        if g.org.service_account_key:
            connection.remove_service_account(g.org, g.user)
    return "", 204


_STATUS = doc.ref("MailboxStatus")

OPENAPI_SCHEMAS = {
    "MailboxStatus": {
        "type": "object",
        "required": ["connected", "status", "messages_synced", "backfill_done", "needs_reconnect"],
        "properties": {
            "connected": {"type": "boolean"},
            "kind": {"type": ["string", "null"], "enum": ["oauth", "service_account", None]},
            "email": {"type": "string"},
            "status": {"type": "string", "enum": ["not_connected", "active", "syncing", "paused", "disabled", "needs_reconnect", "disconnected"]},
            "needs_reconnect": {"type": "boolean", "description": "Google refused the stored authorisation: connect again."},
            "sync_paused": {"type": "boolean"},
            "org_sync_enabled": {"type": "boolean"},
            "messages_synced": {"type": "integer", "description": "Messages sync has stored from this mailbox so far."},
            "backfill_done": {"type": "boolean", "description": "The first sync of the last backfill_days is complete."},
            "backfill_days": {"type": "integer"},
            "syncing": {"type": "boolean"},
            "last_synced_at": {"type": ["string", "null"], "format": "date-time"},
            "last_error": {"type": ["string", "null"]},
            "connected_at": {"type": ["string", "null"], "format": "date-time"},
        },
    },
    "ServiceAccount": {
        "type": "object",
        "properties": {
            "configured": {"type": "boolean"},
            "client_email": {"type": ["string", "null"]},
            "client_id": {"type": ["string", "null"], "description": "The id to allow for domain-wide delegation in the Admin console."},
        },
    },
}


def _op(summary, responses, body=None, admin=False):
    operation = {"summary": summary, "tags": ["sync"], "responses": responses}
    if body is not None:
        operation["requestBody"] = doc.json_body(body)
    if admin:
        operation["description"] = "Administrators only (403 for members)."
    return operation


OPENAPI_PATHS = {
    "/api/v1/mailbox": {
        "get": _op("The caller's mailbox sync: status, progress, whether it needs reconnecting", {"200": doc.json_response("Status.", _STATUS), **doc.errors(401)}),
        "delete": _op(
            "Disconnect the caller's mailbox: revoke and delete its credentials; logged mail stays",
            {"200": doc.json_response("Now disconnected.", _STATUS), **doc.errors(401, 404)},
        ),
    },
    "/api/v1/mailbox/connect/start": {
        "post": _op(
            "Start connecting the caller's mailbox (OAuth code with PKCE, offline access)",
            {
                "200": doc.json_response(
                    "Open authorization_url; Google redirects to redirect_uri with code and state.",
                    {
                        "type": "object",
                        "required": ["authorization_url", "state"],
                        "properties": {"authorization_url": {"type": "string"}, "state": {"type": "string"}, "redirect_uri": {"type": "string"}},
                    },
                ),
                **doc.errors(400, 401, 503),
            },
            body={"type": "object", "properties": {"redirect_uri": {"type": "string", "description": "Default: https://<extension id>.chromiumapp.org/"}}},
        )
    },
    "/api/v1/mailbox/connect/finish": {
        "post": _op(
            "Finish connecting: exchange the code, check it is the caller's mailbox, store the refresh token encrypted",
            {"200": doc.json_response("Connected; the first sync is queued.", _STATUS), **doc.errors(400, 401, 502, 503)},
            body={
                "type": "object",
                "required": ["code", "state", "redirect_uri"],
                "properties": {"code": {"type": "string"}, "state": {"type": "string"}, "redirect_uri": {"type": "string"}},
            },
        )
    },
    "/api/v1/mailbox/sync": {
        "post": _op(
            "Sync the caller's mailbox now",
            {
                "202": doc.json_response(
                    "Queued.", {"type": "object", "properties": {"queued": {"type": "boolean"}, "mailbox": _STATUS}}
                ),
                **doc.errors(401, 404, 409),
            },
        )
    },
    "/api/v1/mailbox/pause": {"post": _op("Pause the caller's sync", {"200": doc.json_response("Paused.", _STATUS), **doc.errors(401)})},
    "/api/v1/mailbox/resume": {"post": _op("Resume the caller's sync", {"200": doc.json_response("Resumed.", _STATUS), **doc.errors(401)})},
    "/api/v1/org/mailboxes": {
        "get": _op(
            "Every member's mailbox sync status",
            {
                "200": doc.json_response(
                    "Statuses.",
                    {
                        "type": "object",
                        "properties": {
                            "service_account": doc.ref("ServiceAccount"),
                            "mailboxes": {"type": "array", "items": {"allOf": [_STATUS, {"type": "object", "properties": {"user_id": {"type": "integer"}}}]}},
                        },
                    },
                ),
                **doc.errors(401, 403),
            },
            admin=True,
        ),
        "delete": _op(
            "Disconnect the organisation: every mailbox and the service account; logged mail stays",
            {"200": doc.json_response("Done.", {"type": "object", "properties": {"disconnected": {"type": "integer"}}}), **doc.errors(401, 403)},
            admin=True,
        ),
    },
    "/api/v1/org/service-account": {
        "get": _op("Whether a service account is set (never the key)", {"200": doc.json_response("State.", doc.ref("ServiceAccount")), **doc.errors(401, 403)}, admin=True),
        "put": _op(
            "Set the Workspace service account (domain-wide delegation) that syncs every member's mailbox",
            {"200": doc.json_response("Set; syncs are queued.", doc.ref("ServiceAccount")), **doc.errors(400, 401, 403, 502)},
            body={"type": "object", "required": ["key"], "properties": {"key": {"type": ["object", "string"], "description": "The JSON key file."}}},
            admin=True,
        ),
        "delete": _op("Remove the service account; its mailboxes stop syncing", {"204": {"description": "Removed."}, **doc.errors(401, 403)}, admin=True),
    },
}
