"""IMAP account routes: the caller's accounts (connect, read, change, remove, sync now) and every member's state for administrators.

Connecting tries the login first: a refusal answers 400 with the server's
words and nothing is saved. The services (sync/imap/accounts.py) refuse with
``ImapRefused``, answered here; the OpenAPI paths are in imap_accounts_doc.py.
"""

from flask import Blueprint, g, jsonify

from threadbook.api.authentication import admin_required
from threadbook.api.params import choice, integer, json_body, string
from threadbook.errors import CODES, ApiError, error_response
from threadbook.models import IMAP_TLS_MODES
from threadbook.sync.imap import accounts
from threadbook.sync.imap.accounts import ImapRefused

bp = Blueprint("imap_accounts", __name__)

# ImapRefused.reason -> (status, error code); a code of None is the status's own.
ANSWERS = {
    "invalid": (400, None),
    "not_found": (404, None),
    "exists": (409, "imap_account_exists"),
    "too_many": (409, "too_many_imap_accounts"),
    "needs_reconnect": (409, "needs_reconnect"),
    "sync_disabled": (409, "sync_disabled"),
    "sync_paused": (409, "sync_paused"),
    "imap_login": (400, "imap_login_failed"),
    "imap_unreachable": (400, "imap_unreachable"),
    "imap_tls": (400, "imap_tls_failed"),
    "imap_host_not_allowed": (400, "imap_host_not_allowed"),
    "imap_protocol": (400, "imap_protocol_error"),
}
FIELDS = ("host", "port", "tls", "username", "password")


@bp.errorhandler(ImapRefused)
def answer_refusal(exc):
    status, code = ANSWERS[exc.reason]
    extra = {"field": exc.field} if exc.field else {}
    return error_response(status, code or CODES[status], exc.message, **extra)


def _fields(body, required):
    values = {
        "host": string(body, "host", required=required, max_length=253),
        "port": integer(body, "port", required=required, minimum=1, maximum=65535),
        "tls": choice(body, "tls", IMAP_TLS_MODES, required=required),
        "username": string(body, "username", required=required, max_length=254),
        # Passwords are taken as typed: spaces can be part of one (app passwords are often shown in groups).
        "password": string(body, "password", required=required, max_length=1000, strip=False),
    }
    if values["password"] is not None and not values["password"].strip():
        raise ApiError(400, "'password' is required.", field="password")
    return {name: value for name, value in values.items() if value is not None}


@bp.get("/me/imap-accounts")
def list_accounts():
    return {"accounts": accounts.list_own(g.user)}


@bp.post("/me/imap-accounts")
def connect():
    values = _fields(json_body(), required=True)
    return accounts.connect(g.user, g.org, **values), 201


@bp.get("/me/imap-accounts/<int:id>")
def get_account(id):
    return accounts.get_own(g.user, id)


@bp.patch("/me/imap-accounts/<int:id>")
def update_account(id):
    changes = _fields(json_body(), required=False)
    if not changes:
        raise ApiError(400, f"Send at least one of: {', '.join(FIELDS)}.")
    return accounts.update(g.user, g.org, id, changes)


@bp.delete("/me/imap-accounts/<int:id>")
def remove_account(id):
    accounts.remove(g.user, g.org, id)
    return "", 204


@bp.post("/me/imap-accounts/<int:id>/sync")
def sync_account(id):
    return jsonify(queued=True, account=accounts.sync_now(g.user, g.org, id)), 202


@bp.get("/org/imap-accounts")
@admin_required
def org_accounts():
    return {"accounts": accounts.org_states(g.org)}
