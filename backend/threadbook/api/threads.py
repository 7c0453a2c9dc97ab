"""Threads: ``POST /api/v1/threads/<thread_id>/log`` logs a Gmail thread, idempotently, optionally to a deal;
``DELETE`` on the same path unlogs the caller's copies in it (mail/unlog.py);
``PATCH /api/v1/threads/<thread_id>`` keeps it private (or stops).

The extension sends the thread id it read from the page and a Gmail access
token (``X-Google-Access-Token``); ``mail.threads.log_thread`` fetches the
thread, stores its messages (or the chosen ones) as the caller's own copies, at
the level they choose (``visibility``) or their defaults, and labels it
``Threadbook/Logged`` where the token allows it. 201 when something new was
stored, 200 when nothing was. Gmail's failures are answered app-wide
(api/google_answers.py). ``mail.private_threads`` keeps a thread private.
"""

import re

from flask import Blueprint, g, jsonify

from threadbook.api.emails import deal_choice
from threadbook.api.google_answers import google_token, token_header_doc
from threadbook.api.openapi import errors, json_response, ref
from threadbook.api.openapi import json_body as body_schema
from threadbook.api.params import boolean, choice, json_body
from threadbook.crm import serializers
from threadbook.errors import ApiError
from threadbook.mail import threads as mail_threads
from threadbook.mail import unlog
from threadbook.mail.private_threads import keep_thread_private
from threadbook.models import VISIBILITIES

bp = Blueprint("threads", __name__)

THREAD_ID = re.compile(r"^[0-9a-fA-F]{1,32}$")
MAX_MESSAGE_IDS = 500


def _thread_id(value):
    if not THREAD_ID.match(value):
        raise ApiError(400, "The thread id must be Gmail's hexadecimal id (data-legacy-thread-id), not the one in the address bar.")
    return value.lower()


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


@bp.post("/threads/<thread_id>/log")
def log_thread(thread_id):
    thread_id = _thread_id(thread_id)
    token = google_token(required=True)
    body = json_body()
    message_ids = _message_ids(body)
    visibility = choice(body, "visibility", VISIBILITIES)
    deal = deal_choice(body)
    try:
        logged = mail_threads.log_thread(g.user, g.org, thread_id, token, message_ids=message_ids, visibility=visibility, deal=deal)
    except mail_threads.MessagesNotInThread as exc:
        raise ApiError(404, str(exc), missing=exc.missing) from exc
    answer = {
        "thread_id": thread_id,
        "created": serializers.emails(logged.stored.created, g.user),
        "linked_email_ids": [e.id for e in logged.stored.linked],
        "email_ids": [e.id for e in logged.stored.emails],
        "label": logged.label,
        "label_reason": logged.label_reason,
        "label_via": logged.label_via,
        "warnings": logged.warnings,
        "deal": serializers.deal_summary(logged.deal),
    }
    return jsonify(answer), 201 if logged.stored_anything else 200


@bp.delete("/threads/<thread_id>/log")
def unlog_thread(thread_id):
    """Unlog the caller's own copies in the thread (or the chosen messages); colleagues' copies and records stay."""
    thread_id = _thread_id(thread_id)
    token = google_token()
    body = json_body()
    unknown = sorted(set(body) - {"message_ids"})
    if unknown:
        # Unlogging is not undone by logging again for free: a misspelt key must not widen it to the whole thread.
        raise ApiError(400, f"Unknown field '{unknown[0][:50]}': send only 'message_ids' (or no body for the whole thread).", field=unknown[0][:50])
    if "message_ids" in body and body["message_ids"] is None:
        raise ApiError(400, "'message_ids' must be a list of Gmail message ids; leave it out to unlog the whole thread.", field="message_ids")
    message_ids = _message_ids(body)
    done = unlog.unlog_thread(g.user, g.org, thread_id, message_ids=message_ids, access_token=token)
    return jsonify({"thread_id": thread_id, "unlogged": done.email_ids, "label": done.label, "label_reason": done.label_reason})


@bp.patch("/threads/<thread_id>")
def update_thread(thread_id):
    """Keep a thread private (its logged copies become private, and so will later ones), or stop."""
    thread_id = _thread_id(thread_id)
    private = boolean(json_body(), "private")
    if private is None:
        raise ApiError(400, "Say whether to keep the thread private: 'private' must be true or false.", field="private")
    ids = keep_thread_private(g.user, thread_id, private)
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
        "label_via": {
            "enum": ["token", "mailbox", None],
            "description": "How the label was applied: with the access token (gmail.modify), or through your connected mailbox "
            "when the token may only read. Null when skipped.",
        },
        "warnings": {"type": "array", "items": {"type": "string"}},
        "deal": {
            "oneOf": [ref("DealSummary"), {"type": "null"}],
            "description": "The deal every message logged by the call is linked to; null when none (or not all the same).",
        },
    },
}

_unlog_response = {
    "type": "object",
    "required": ["thread_id", "unlogged", "label", "label_reason"],
    "properties": {
        "thread_id": {"type": "string"},
        "unlogged": {"type": "array", "items": {"type": "integer"}, "description": "The ids of your emails unlogged by this call."},
        "label": {"enum": ["removed", "skipped"], "description": "Whether Threadbook/Logged came off in Gmail."},
        "label_reason": {"type": ["string", "null"], "description": "Why the label was left."},
    },
}

_thread_param = {
    "name": "thread_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[0-9a-fA-F]{1,32}$"},
    "description": "Gmail's thread id (data-legacy-thread-id).",
}


def _message_ids_schema(description):
    return {
        "type": "array",
        "minItems": 1,
        "maxItems": MAX_MESSAGE_IDS,
        "items": {"type": "string", "pattern": "^[0-9a-fA-F]{1,32}$"},
        "description": description,
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
                token_header_doc("A Gmail access token with a read scope (gmail.modify also labels the thread).", required=True),
            ],
            "requestBody": body_schema(
                {
                    "type": "object",
                    "properties": {
                        "message_ids": _message_ids_schema("Log only these messages of the thread."),
                        "visibility": {
                            "enum": list(VISIBILITIES),
                            "description": "Who sees the newly logged mail; by default the thread's level "
                            "(private for a thread you keep private), else yours, else the organisation's.",
                        },
                        "deal_id": {
                            "type": ["integer", "null"],
                            "description": "Link your copies in the thread (the chosen messages only, when some are chosen), new "
                            "and already logged, to this deal of your organisation; null unlinks them; absent leaves them as they are. "
                            "Unknown: 404 (field deal_id).",
                        },
                    },
                },
                required=False,
            ),
            "responses": {
                "201": json_response("Something new was stored.", _log_response),
                "200": json_response("Already logged: nothing new was stored.", _log_response),
                **errors(400, 401, 403, 404, 415, 422, 503),
            },
        },
        "delete": {
            "summary": "Unlog your copies in a Gmail thread (audited)",
            "description": "Removes your logged copies in the thread, or those of the chosen messages, from the CRM. Contacts, notes, "
            "deals and colleagues' copies stay. Mail sync, the dropbox and tracked replies do not log them again for you (unlogging "
            "the whole thread also stops tracking its replies); logging the thread by hand does. Threadbook/Logged is removed in "
            "Gmail where possible (the token with gmail.modify, else your connected mailbox). Message ids that name nothing logged "
            "are ignored. Any other field, or a null message_ids, is 400 (so a mistake never widens it to the whole thread).",
            "tags": ["threads"],
            "parameters": [_thread_param, token_header_doc("Optional: a Gmail token with gmail.modify, to remove the label.")],
            "requestBody": body_schema(
                {
                    "type": "object",
                    "properties": {"message_ids": _message_ids_schema("Unlog only these Gmail messages of the thread.")},
                },
                required=False,
            ),
            "responses": {"200": json_response("What was unlogged.", _unlog_response), **errors(400, 401, 415)},
        },
    },
}
