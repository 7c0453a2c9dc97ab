"""Threads: ``POST /api/v1/threads/<thread_id>/log`` fetches a thread from Gmail and logs it,
idempotently; ``PATCH /api/v1/threads/<thread_id>`` keeps it private (or stops).

The extension sends the thread id it read from the page and a Gmail access
token (``X-Google-Access-Token``). The backend fetches the thread with
``users.threads.get`` (format=metadata, or full when the organisation stores
bodies), stores every message (or the chosen ones) through
``mail_store.store_gmail_messages`` and labels the thread
``Threadbook/Logged`` where the token allows it. Calling again, or twenty
times at once, stores nothing more: 201 when something new was stored, 200
when nothing was. The stored rows are the caller's own copies, at the level
they choose (``visibility``) or their defaults (identity/access.py).
"""

import re

from flask import Blueprint, current_app, g, jsonify, request

from threadbook import audit
from threadbook.api.openapi import errors, json_response, ref
from threadbook.api.openapi import json_body as body_schema
from threadbook.api.params import boolean, choice, json_body
from threadbook.crm import serializers
from threadbook.crm.participants import own_copies_in_thread
from threadbook.db import write_transaction
from threadbook.errors import ApiError
from threadbook.google import errors as google_errors
from threadbook.google import gmail as gmail_api
from threadbook.identity import access
from threadbook.mail.store import store_gmail_messages
from threadbook.models import VISIBILITIES, Email, PrivateThread, ThreadLabel

bp = Blueprint("threads", __name__)

THREAD_ID = re.compile(r"^[0-9a-fA-F]{1,32}$")
LOGGED_LABEL = "Threadbook/Logged"
TOKEN_HEADER = "X-Google-Access-Token"
MAX_MESSAGE_IDS = 500
MAX_TOKEN = 4096
_TOKEN = re.compile(r"^[\x21-\x7e]+$")  # printable ASCII, as OAuth bearer tokens are


def gmail_error_to_api(exc, thread_id):
    """Answer a Gmail failure with something the person (or extension) can act on."""
    if isinstance(exc, google_errors.ReauthRequired):
        return ApiError(
            401,
            "Google refused the access token (expired or revoked). Reconnect Google in Threadbook and try again.",
            code="google_reauth_required",
        )
    if isinstance(exc, google_errors.InsufficientScope):
        return ApiError(
            403,
            "The Google access token does not allow reading this mail. Reconnect Google and grant Gmail read access.",
            code="google_scope_required",
        )
    if isinstance(exc, google_errors.NotFound):
        return ApiError(404, f"Gmail has no thread {thread_id} in your mailbox.", code="not_found")
    if isinstance(exc, google_errors.RateLimited):
        return ApiError(
            503,
            f"Gmail is rate-limiting your account; try again in {exc.retry_after} seconds.",
            code="google_rate_limited",
            headers={"Retry-After": str(exc.retry_after)},
        )
    retry = exc.retry_after or 5
    return ApiError(
        503,
        f"Gmail did not answer properly ({exc.message}); try again shortly.",
        code="google_unavailable",
        headers={"Retry-After": str(retry)},
    )


def _message_ids(body):
    ids = body.get("message_ids")
    if ids is None:
        return None
    if not isinstance(ids, list) or not ids or len(ids) > MAX_MESSAGE_IDS:
        raise ApiError(400, f"'message_ids' must be a list of 1 to {MAX_MESSAGE_IDS} Gmail message ids.", field="message_ids")
    for value in ids:
        if not isinstance(value, str) or not THREAD_ID.match(value):
            raise ApiError(400, "Each of 'message_ids' must be a Gmail message id (hexadecimal).", field="message_ids")
    return list(dict.fromkeys(value.lower() for value in ids))


def _fetch_thread(gmail, thread_id, want_bodies, warnings):
    """Fetch the thread's messages; fall back to metadata when the token cannot read bodies."""
    try:
        if want_bodies:
            try:
                return gmail.get_thread(thread_id, format="full")["messages"]
            except google_errors.InsufficientScope:
                warnings.append("The access token allows metadata only, so message bodies were not stored.")
        return gmail.get_thread(thread_id, format="metadata")["messages"]
    except google_errors.GoogleApiError as exc:
        raise gmail_error_to_api(exc, thread_id)


def apply_logged_label(gmail, user, thread_id):
    """Label the thread in Gmail; return ("applied", None) or ("skipped", reason). Never raises for Gmail."""
    try:
        label_id = gmail.ensure_label(LOGGED_LABEL)
        gmail.modify_thread(thread_id, add_label_ids=[label_id])
    except google_errors.InsufficientScope:
        return "skipped", (
            f"The access token may not change labels, so '{LOGGED_LABEL}' was not applied in Gmail "
            "(it needs the gmail.modify scope). The thread is logged all the same."
        )
    except google_errors.GoogleApiError as exc:
        return "skipped", f"Gmail did not apply '{LOGGED_LABEL}' ({exc.message}). The thread is logged all the same."
    with write_transaction():
        ThreadLabel.insert(org=user.org_id, user=user.id, gmail_thread_id=thread_id, label=LOGGED_LABEL).on_conflict(
            conflict_target=[ThreadLabel.user, ThreadLabel.gmail_thread_id, ThreadLabel.label], action="NOTHING"
        ).execute()
    return "applied", None


@bp.post("/api/v1/threads/<thread_id>/log")
def log_thread(thread_id):
    thread_id = _thread_id(thread_id)
    token = request.headers.get(TOKEN_HEADER, "").strip()
    if not token:
        raise ApiError(
            400,
            f"Send a Gmail access token in the '{TOKEN_HEADER}' header: Threadbook reads the thread from Gmail.",
            code="google_token_required",
        )
    if len(token) > MAX_TOKEN or not _TOKEN.match(token):
        raise ApiError(400, f"The '{TOKEN_HEADER}' header does not hold an OAuth access token.", code="google_token_required")
    body = json_body()
    wanted = _message_ids(body)
    visibility = choice(body, "visibility", VISIBILITIES)
    org = g.org
    gmail = gmail_api.Gmail.for_access_token(token, current_app.config["GOOGLE_API_ROOT"])
    warnings = []
    messages = _fetch_thread(gmail, thread_id, org.store_bodies, warnings)
    if wanted is not None:
        present = {m["id"] for m in messages}
        missing = [mid for mid in wanted if mid not in present]
        if missing:
            raise ApiError(404, f"Gmail's thread {thread_id} has no message {', '.join(missing)}.", missing=missing)
        messages = [m for m in messages if m["id"] in set(wanted)]
    stored_bodies = org.store_bodies and not warnings
    result = store_gmail_messages(
        org,
        owner=g.user,
        logged_by=g.user,
        messages=messages,
        source="manual",
        visibility=visibility,
        store_body=stored_bodies,
    )
    label, reason = apply_logged_label(gmail, g.user, thread_id)
    body = {
        "thread_id": thread_id,
        "created": [serializers.email(e, g.user) for e in result.created],
        "linked_email_ids": [e.id for e in result.linked],
        "email_ids": [e.id for e in result.emails],
        "label": label,
        "label_reason": reason,
        "warnings": warnings,
    }
    return jsonify(body), 201 if result.created or result.linked else 200


def _thread_id(value):
    if not THREAD_ID.match(value):
        raise ApiError(400, "The thread id must be Gmail's hexadecimal id (data-legacy-thread-id), not the one in the address bar.")
    return value.lower()


@bp.patch("/api/v1/threads/<thread_id>")
def update_thread(thread_id):
    """Keep a thread private (its logged copies become private, and so will later ones), or stop."""
    thread_id = _thread_id(thread_id)
    private = boolean(json_body(), "private")
    if private is None:
        raise ApiError(400, "Say whether to keep the thread private: 'private' must be true or false.", field="private")
    user = g.user
    with write_transaction():
        ids = own_copies_in_thread(user, thread_id)
        if private:
            PrivateThread.insert(org=user.org_id, user=user.id, gmail_thread_id=thread_id).on_conflict(
                conflict_target=[PrivateThread.user, PrivateThread.gmail_thread_id], action="NOTHING"
            ).execute()
            changed = [e.id for e in Email.select(Email.id).where(Email.id.in_(ids) & (Email.visibility != access.PRIVATE))] if ids else []
            if changed:
                Email.update(visibility=access.PRIVATE).where(Email.id.in_(changed)).execute()
        else:
            PrivateThread.delete().where((PrivateThread.user == user.id) & (PrivateThread.gmail_thread_id == thread_id)).execute()
            changed = []
        audit.record("thread.privacy_changed", org=user.org_id, user=user.id, thread_id=thread_id, private=private, email_ids=changed)
    return jsonify({"thread_id": thread_id, "private": private, "email_ids": ids})


_log_response = {
    "type": "object",
    "required": ["thread_id", "created", "linked_email_ids", "email_ids", "label", "label_reason", "warnings"],
    "properties": {
        "thread_id": {"type": "string"},
        "created": {"type": "array", "items": ref("Email"), "description": "Mail stored by this call."},
        "linked_email_ids": {
            "type": "array",
            "items": {"type": "integer"},
            "description": "Mail you had already logged another way (BCC dropbox, sent from Threadbook), "
            "now placed in your mailbox too. Never a colleague's mail.",
        },
        "email_ids": {"type": "array", "items": {"type": "integer"}, "description": "Every logged message of the call."},
        "label": {"enum": ["applied", "skipped"]},
        "label_reason": {"type": ["string", "null"], "description": "Why the Gmail label was skipped."},
        "warnings": {"type": "array", "items": {"type": "string"}},
    },
}

_thread_param = {
    "name": "thread_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[0-9a-fA-F]{1,32}$"},
    "description": "Gmail's thread id (data-legacy-thread-id).",
}

OPENAPI_PATHS = {
    "/api/v1/threads/{thread_id}": {
        "patch": {
            "summary": "Keep one of your threads private, or stop",
            "description": "Keeping it private makes your logged copies in it private, and later messages of the thread "
            "(sync, replies, logging without a choice) stay private. Only your own copies are touched.",
            "tags": ["threads"],
            "parameters": [_thread_param],
            "requestBody": body_schema({"type": "object", "required": ["private"], "properties": {"private": {"type": "boolean"}}}),
            "responses": {
                "200": json_response(
                    "The thread's privacy.",
                    {
                        "type": "object",
                        "required": ["thread_id", "private", "email_ids"],
                        "properties": {
                            "thread_id": {"type": "string"},
                            "private": {"type": "boolean"},
                            "email_ids": {"type": "array", "items": {"type": "integer"}, "description": "Your logged copies in the thread."},
                        },
                    },
                ),
                **errors(400, 401, 415),
            },
        }
    },
    "/api/v1/threads/{thread_id}/log": {
        "post": {
            "summary": "Log a Gmail thread to the CRM (idempotent)",
            "tags": ["threads"],
            "parameters": [
                _thread_param,
                {
                    "name": TOKEN_HEADER,
                    "in": "header",
                    "required": True,
                    "schema": {"type": "string", "minLength": 1},
                    "description": "A Gmail access token with a read scope (gmail.modify also labels the thread).",
                },
            ],
            "requestBody": body_schema(
                {
                    "type": "object",
                    "properties": {
                        "message_ids": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": MAX_MESSAGE_IDS,
                            "items": {"type": "string", "pattern": "^[0-9a-fA-F]{1,32}$"},
                            "description": "Log only these messages of the thread.",
                        },
                        "visibility": {
                            "enum": list(VISIBILITIES),
                            "description": "Who sees the newly logged mail; by default the thread's level "
                            "(private for a thread you keep private), else yours, else the organisation's.",
                        },
                    },
                },
                required=False,
            ),
            "responses": {
                "201": json_response("Something new was stored.", _log_response),
                "200": json_response("Already logged: nothing new was stored.", _log_response),
                **errors(400, 401, 403, 404, 415, 503),
            },
        }
    }
}
