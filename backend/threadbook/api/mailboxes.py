"""Mailbox sync routes: connect (OAuth code + PKCE, or the org's service account), status, sync now, pause, disconnect.

Connecting from the panel's settings: ``POST /api/v1/mailbox/connect/start``
answers ``{"authorization_url", "state"}``; the panel opens the URL, Google
redirects to ``redirect_uri`` with ``code`` and ``state``, and
``POST /api/v1/mailbox/connect/finish`` ``{"code", "state", "redirect_uri"}``
stores the grant (sync/connect_oauth.py says how). The services refuse with
``MailboxRefused``, answered here; the OpenAPI paths are in mailboxes_doc.py.
"""

from flask import Blueprint, g, jsonify

from threadbook.api.authentication import admin_required
from threadbook.api.params import consent_answer, json_body, string
from threadbook.calendar import health as calendar_health
from threadbook.errors import CODES, ApiError, error_response
from threadbook.sync import connect_oauth, mailboxes, service_account
from threadbook.sync.connection import MailboxRefused

bp = Blueprint("mailboxes", __name__)

# MailboxRefused.reason -> (status, error code); a code of None is the status's own.
ANSWERS = {
    "invalid": (400, None),
    "not_connected": (404, None),
    "not_configured": (503, None),
    "google_not_configured": (503, "google_not_configured"),
    "google_invalid_grant": (400, "google_invalid_grant"),
    "google_no_refresh_token": (400, "google_no_refresh_token"),
    "google_scope_missing": (400, "google_scope_missing"),
    "wrong_mailbox": (400, "wrong_mailbox"),
    "delegation_refused": (400, "delegation_refused"),
    "needs_reconnect": (409, "needs_reconnect"),
    "sync_disabled": (409, "sync_disabled"),
    "sync_paused": (409, "sync_paused"),
    "google_token_error": (502, "google_token_error"),
    "google_unavailable": (502, "google_unavailable"),
    "address_taken": (409, "address_taken"),
    "same_address": (400, "same_address"),
    "managed_by_admin": (409, "managed_by_admin"),
}


@bp.errorhandler(MailboxRefused)
def answer_refusal(exc):
    status, code = ANSWERS[exc.reason]
    extra = {"field": exc.field} if exc.field else {}
    return error_response(status, code or CODES[status], exc.message, **extra)


def _with_calendars(answers):
    """Put each user's chosen calendars (state, last sync, last error) into their mailbox health."""
    by_user = calendar_health.chosen_by_user([a["user_id"] for a in answers])
    for answer in answers:
        answer["health"]["calendars"] = by_user[answer["user_id"]]
    return answers


def mailbox_status():
    """The caller's mailbox status with its calendars' health (the answer of every route here)."""
    status = mailboxes.status(g.user, g.org)
    _with_calendars([{**status, "user_id": g.user.id}])
    return status


@bp.get("/mailbox")
def get_mailbox():
    return mailbox_status()


@bp.post("/mailbox/connect/start")
def connect_start():
    connect_oauth.require_client()  # a 503 before any input is read
    body = json_body()
    return connect_oauth.start(g.user, g.org, string(body, "redirect_uri", max_length=500))


@bp.post("/mailbox/connect/finish")
def connect_finish():
    connect_oauth.require_client()
    code, state, redirect_uri = consent_answer()
    connect_oauth.finish(g.user, g.org, code, state, redirect_uri)
    return mailbox_status()


@bp.post("/mailbox/sync")
def sync_now():
    mailboxes.sync_now(g.user, g.org)
    return jsonify(queued=True, mailbox=mailbox_status()), 202


@bp.post("/mailbox/pause")
def pause():
    mailboxes.pause(g.user)
    return mailbox_status()


@bp.post("/mailbox/resume")
def resume():
    mailboxes.resume(g.user, g.org)
    return mailbox_status()


@bp.delete("/mailbox")
def disconnect():
    mailboxes.disconnect(g.user, g.org)
    return mailbox_status()


# -- administrators -----------------------------------------------------------------
@bp.get("/org/mailboxes")
@admin_required
def list_org_mailboxes():
    answer = mailboxes.org_statuses(g.org)
    _with_calendars(answer["mailboxes"])
    return answer


@bp.delete("/org/mailboxes")
@admin_required
def disconnect_org():
    return {"disconnected": mailboxes.disconnect_org(g.org, g.user)}


@bp.get("/org/service-account")
@admin_required
def get_service_account():
    return service_account.describe(g.org)


@bp.put("/org/service-account")
@admin_required
def put_service_account():
    service_account.require_workspace(g.org)  # before the body, as a personal organisation can never have one
    body = json_body()
    if "key" not in body:
        raise ApiError(400, "'key' is required: the service account's JSON key (the object, or its text).", field="key")
    return service_account.set_key(g.org, g.user, body["key"])


@bp.delete("/org/service-account")
@admin_required
def delete_service_account():
    service_account.remove(g.org, g.user)
    return "", 204
