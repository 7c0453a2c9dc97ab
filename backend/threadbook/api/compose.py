"""Send mail from the CRM (``POST /api/v1/emails/send``) and log replies in threads sent that way (``POST /api/v1/tracked-threads/check``).

Sending uses the caller's ``X-Google-Access-Token`` (a Gmail scope that may
send: gmail.send, gmail.compose, gmail.modify) or their connected mailbox
(mail/sending.py). This route alone accepts large bodies: attachments may add
up to ``SEND_MAX_ATTACHMENT_BYTES`` (25 MB) once decoded, so the request may
be about a third larger in base64, plus the text; anything larger answers 413
before a byte is sent to Google. Gmail's failures are answered app-wide
(api/google_answers.py): a token that may not send is a 403 saying so.
"""

from flask import Blueprint, g, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from threadbook.api.compose_input import MAX_ATTACHMENTS, MAX_BODY, MAX_RECIPIENTS, MAX_SUBJECT, read_draft, request_limit, too_large
from threadbook.api.google_answers import google_token, token_header_doc
from threadbook.api.openapi import errors, json_response, ref
from threadbook.api.openapi import json_body as body_schema
from threadbook.api.params import json_body
from threadbook.crm import serializers
from threadbook.errors import ApiError
from threadbook.mail.gmail_access import NoMailAccess
from threadbook.mail.sending import check_tracked_threads, send_and_log
from threadbook.models import VISIBILITIES

bp = Blueprint("compose", __name__)


def _read_body():
    limit = request_limit()
    if request.content_length is not None and request.content_length > limit:
        raise too_large(f"The request is {request.content_length} bytes, more than the {limit} this route reads.")
    request.max_content_length = limit  # this route's own limit, instead of the global MAX_CONTENT_LENGTH
    try:
        return json_body()
    except RequestEntityTooLarge:
        raise too_large(f"The request is more than the {limit} bytes this route reads.") from None


def _no_access(exc):
    return ApiError(400, str(exc), code="google_token_required")


@bp.post("/emails/send")
def send_email():
    draft = read_draft(_read_body(), g.user)
    try:
        result = send_and_log(g.user, g.org, draft, google_token())
    except NoMailAccess as exc:
        raise _no_access(exc) from exc
    body = {
        "email": serializers.emails([result.email], g.user)[0],
        "gmail_message_id": result.gmail_message_id,
        "gmail_thread_id": result.gmail_thread_id,
        "tracked": True,
        "warnings": result.warnings,
    }
    return jsonify(body), 201


@bp.post("/tracked-threads/check")
def check_tracked():
    try:
        report = check_tracked_threads(g.user, g.org, google_token())
    except NoMailAccess as exc:
        raise _no_access(exc) from exc
    return jsonify(report.as_dict())


_person = {"type": "string", "maxLength": 320, "description": 'An address, optionally with a name: "Ada <ada@example.com>".'}
_people_list = {"type": "array", "maxItems": MAX_RECIPIENTS, "items": _person}

OPENAPI_SCHEMAS = {
    "EmailSend": {
        "type": "object",
        "required": ["body"],
        "properties": {
            "to": _people_list,
            "cc": _people_list,
            "bcc": _people_list,
            "contact_id": {"type": "integer", "description": "Write to this contact's primary address (when 'to' is empty)."},
            "subject": {"type": "string", "maxLength": MAX_SUBJECT, "description": "Required unless replying (then 'Re: <original>')."},
            "body": {"type": "string", "maxLength": MAX_BODY, "description": "The message, as plain text."},
            "reply_to_email_id": {
                "type": "integer",
                "description": "Reply to this logged email: In-Reply-To, References, Re: subject and its Gmail thread; "
                "without recipients, to its sender (or its recipients when you sent it).",
            },
            "visibility": {
                "enum": list(VISIBILITIES),
                "description": "Who sees the logged copy; by default your own default, else the organisation's (a thread you keep private stays private).",
            },
            "attachments": {
                "type": "array",
                "maxItems": MAX_ATTACHMENTS,
                "items": {
                    "type": "object",
                    "required": ["filename", "content_base64"],
                    "properties": {
                        "filename": {"type": "string", "minLength": 1, "maxLength": 255},
                        "mime_type": {"type": "string", "default": "application/octet-stream"},
                        "content_base64": {"type": "string", "contentEncoding": "base64"},
                    },
                },
                "description": "At most 25 MB together, decoded.",
            },
        },
    },
    "TrackedThreadsReport": {
        "type": "object",
        "required": ["user_id", "threads", "stored", "email_ids", "gone", "error"],
        "properties": {
            "user_id": {"type": "integer"},
            "threads": {"type": "integer", "description": "Threads checked."},
            "stored": {"type": "integer", "description": "Messages newly logged."},
            "email_ids": {"type": "array", "items": {"type": "integer"}},
            "gone": {"type": "integer", "description": "Threads deleted from Gmail, no longer tracked."},
            "error": {"type": "string"},
        },
    },
}
_token_header = token_header_doc("A Gmail access token; without it the connected mailbox's credentials are used.")
OPENAPI_PATHS = {
    "/api/v1/emails/send": {
        "post": {
            "summary": "Send mail from your Gmail, log it, and log the replies to come",
            "tags": ["emails"],
            "parameters": [_token_header],
            "requestBody": body_schema(ref("EmailSend")),
            "responses": {
                "201": json_response(
                    "Sent and logged.",
                    {
                        "type": "object",
                        "required": ["email", "gmail_message_id", "gmail_thread_id", "tracked", "warnings"],
                        "properties": {
                            "email": ref("Email"),
                            "gmail_message_id": {"type": "string"},
                            "gmail_thread_id": {"type": "string"},
                            "tracked": {"type": "boolean", "description": "Replies in the thread will be logged."},
                            "warnings": {"type": "array", "items": {"type": "string"}},
                        },
                    },
                ),
                "413": json_response("The attachments (or the request) are too large; nothing was sent.", ref("Error")),
                **errors(400, 401, 403, 404, 415, 422, 503),
            },
        }
    },
    "/api/v1/tracked-threads/check": {
        "post": {
            "summary": "Log new replies in the threads you sent from Threadbook now",
            "tags": ["emails"],
            "parameters": [_token_header],
            "responses": {"200": json_response("What was logged.", ref("TrackedThreadsReport")), **errors(400, 401, 403, 422, 503)},
        }
    },
}
