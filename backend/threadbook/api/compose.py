"""Send mail from the CRM (``POST /api/v1/emails/send``) and log replies in threads sent that way (``POST /api/v1/tracked-threads/check``).

Sending uses the caller's ``X-Google-Access-Token`` (a Gmail scope that may
send: gmail.send, gmail.compose, gmail.modify) or their connected mailbox.
This route alone accepts large bodies: attachments may add up to
``SEND_MAX_ATTACHMENT_BYTES`` (25 MB) once decoded, so the request may be
about a third larger in base64, plus the text; anything larger answers 413
before a byte is sent to Google.
"""

import base64
import binascii
import re

from flask import Blueprint, current_app, g, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from threadbook import matching
from threadbook.api.mail_input import check_one_line, check_sendable_address, one_line
from threadbook.api.openapi import errors, json_response, ref
from threadbook.api.openapi import json_body as body_schema
from threadbook.api.params import choice, integer, json_body, string
from threadbook.api.refs import record_ref
from threadbook.api.threads import gmail_error_to_api
from threadbook.crm import serializers
from threadbook.errors import ApiError, not_found
from threadbook.google import errors as google_errors
from threadbook.google.access import NoGoogleAccess, mail_access
from threadbook.identity.access import visible_emails
from threadbook.mail.sending import Attachment, Draft, check_tracked_threads, reply_subject, send_and_log
from threadbook.models import VISIBILITIES, Contact, ContactAddress, Email

bp = Blueprint("compose", __name__)

TOKEN_HEADER = "X-Google-Access-Token"
MAX_RECIPIENTS = 100
MAX_ATTACHMENTS = 50
MAX_SUBJECT = 998  # RFC 5322's line limit
MAX_BODY = 1_000_000
TEXT_HEADROOM = 4 * MAX_BODY + 1024 * 1024  # the text (JSON may escape it), recipients, names
_MIME_TYPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$")
_BAD_FILENAME = re.compile(r"[\x00-\x1f\x7f/\\]")


def attachment_limit():
    return current_app.config["SEND_MAX_ATTACHMENT_BYTES"]


def request_limit():
    """The largest body this route reads: the attachments in base64 (4/3), plus the text."""
    return attachment_limit() * 4 // 3 + 1024 + TEXT_HEADROOM


def _too_large(what):
    limit_mb = attachment_limit() / (1024 * 1024)
    return ApiError(413, f"{what} Attachments may add up to {limit_mb:g} MB; nothing was sent.", limit_bytes=attachment_limit())


def _read_body():
    limit = request_limit()
    if request.content_length is not None and request.content_length > limit:
        raise _too_large(f"The request is {request.content_length} bytes, more than the {limit} this route reads.")
    request.max_content_length = limit  # this route's own limit, instead of the global MAX_CONTENT_LENGTH
    try:
        return json_body()
    except RequestEntityTooLarge:
        raise _too_large(f"The request is more than the {limit} bytes this route reads.")


def _people(body, name):
    values = body.get(name)
    if values is None:
        return []
    if not isinstance(values, list) or len(values) > MAX_RECIPIENTS:
        raise ApiError(400, f"'{name}' must be a list of at most {MAX_RECIPIENTS} addresses.", field=name)
    people = []
    for value in values:
        if not isinstance(value, str):
            raise ApiError(400, f"Each of '{name}' must be a string such as \"Ada <ada@example.com>\".", field=name)
        try:
            display, address, _ = matching.parse_participant(value)
        except matching.InvalidAddress as exc:
            raise ApiError(400, str(exc), field=name)
        check_one_line(display, f"The name in '{name}'", field=name)
        people.append((display, address))
    return people


def _sendable(people, name):
    """Return the recipients as they go into the message; raise 400 for an address a message cannot carry."""
    for _, address in people:
        check_sendable_address(address, f"'{name}'", field=name)
    # Names from stored records (a contact, the mail replied to) were never checked: clean them.
    # An internationalised domain goes out in its ASCII (punycode) form, which a plain message can carry.
    return [(one_line(display), matching.with_ascii_domain(address)) for display, address in people]


def _attachments(body):
    items = body.get("attachments")
    if items is None:
        return []
    if not isinstance(items, list) or len(items) > MAX_ATTACHMENTS:
        raise ApiError(400, f"'attachments' must be a list of at most {MAX_ATTACHMENTS} files.", field="attachments")
    encoded_total = sum(len(i.get("content_base64") or "") for i in items if isinstance(i, dict) and isinstance(i.get("content_base64"), str))
    if encoded_total * 3 // 4 > attachment_limit() + 3 * len(items):
        raise _too_large("The attachments are too large.")
    out, total = [], 0
    for index, item in enumerate(items):
        where = f"attachments[{index}]"
        if not isinstance(item, dict):
            raise ApiError(400, f"{where} must be an object with filename, mime_type and content_base64.", field="attachments")
        filename = item.get("filename")
        if not isinstance(filename, str) or not filename.strip() or len(filename) > 255 or _BAD_FILENAME.search(filename):
            raise ApiError(400, f"{where}.filename must be a plain file name (no folders), 1 to 255 characters.", field="attachments")
        mime_type = item.get("mime_type", "application/octet-stream")
        if not isinstance(mime_type, str) or not _MIME_TYPE.match(mime_type):
            raise ApiError(400, f"{where}.mime_type must be a MIME type such as application/pdf.", field="attachments")
        content = item.get("content_base64")
        if not isinstance(content, str):
            raise ApiError(400, f"{where}.content_base64 must be the file in base64.", field="attachments")
        compact = re.sub(r"\s+", "", content).replace("-", "+").replace("_", "/")
        try:
            data = base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
        except (binascii.Error, ValueError):
            raise ApiError(400, f"{where}.content_base64 is not valid base64.", field="attachments")
        total += len(data)
        out.append(Attachment(filename.strip(), mime_type.lower(), data))
    if total > attachment_limit():
        raise _too_large(f"The attachments add up to {total} bytes.")
    return out


def _reply_recipients(original):
    """Whom a reply goes to by default: the sender, or the original recipients when you sent it."""
    if matching.try_normalize(original.from_email) == g.user.email_normalized:
        return [(p.get("name") or "", p["email"]) for p in (original.to or [])]
    return [(original.from_name or "", original.from_email)]


def _draft(body):
    original = None
    reply_id = integer(body, "reply_to_email_id", minimum=1, maximum=2**63 - 1)
    if reply_id is not None:
        original = Email.select().where((Email.id == reply_id) & visible_emails(g.user)).first()
        if original is None:
            raise not_found("email")
    to, cc, bcc = _people(body, "to"), _people(body, "cc"), _people(body, "bcc")
    contact = record_ref(body, "contact_id", Contact, "contact")
    if contact is not None and not to:
        primary = ContactAddress.select().where(ContactAddress.contact == contact.id).order_by(ContactAddress.is_primary.desc(), ContactAddress.id).first()
        if primary is None:
            raise ApiError(400, "This contact has no address to write to.", field="contact_id")
        to = [(contact.name, primary.email)]
    if original is not None and not (to or cc or bcc):
        to = _reply_recipients(original)
    if not (to or cc or bcc):
        raise ApiError(400, "Say whom to write to: 'to' (or 'cc', 'bcc', 'contact_id').", field="to")
    if len(to) + len(cc) + len(bcc) > MAX_RECIPIENTS:
        raise ApiError(400, f"A message goes to at most {MAX_RECIPIENTS} people.", field="to")
    to, cc, bcc = _sendable(to, "to"), _sendable(cc, "cc"), _sendable(bcc, "bcc")
    subject = string(body, "subject", max_length=MAX_SUBJECT)
    if subject is None:
        if original is None:
            raise ApiError(400, "'subject' is required.", field="subject")
        subject = one_line(reply_subject(original.subject))  # stored mail's subject: cleaned, not refused
    check_one_line(subject, "'subject'", field="subject")
    text = body.get("body")
    if not isinstance(text, str):
        raise ApiError(400, "'body' (the message text) is required.", field="body")
    if len(text) > MAX_BODY:
        raise ApiError(400, f"'body' is longer than {MAX_BODY} characters.", field="body")
    visibility = choice(body, "visibility", VISIBILITIES)
    return Draft(to, cc, bcc, subject, text, _attachments(body), original, visibility)


def _access():
    token = request.headers.get(TOKEN_HEADER, "").strip() or None
    try:
        return mail_access(g.user, g.org, token)
    except NoGoogleAccess as exc:
        raise ApiError(400, str(exc), code="google_token_required")


def _send_error(exc):
    if isinstance(exc, google_errors.InsufficientScope):
        return ApiError(403, "The Google access token may not send mail. Reconnect Google and allow Threadbook to send as you.", code="google_scope_required")
    if isinstance(exc, (google_errors.ReauthRequired, google_errors.RateLimited, google_errors.Unavailable)):
        return gmail_error_to_api(exc, "")
    return ApiError(422, f"Gmail refused to send this message ({exc.message[:300]}).", code="google_refused")


@bp.post("/api/v1/emails/send")
def send_email():
    draft = _draft(_read_body())
    access = _access()
    try:
        result = send_and_log(g.user, g.org, draft, access)
    except google_errors.GoogleApiError as exc:
        raise _send_error(exc)
    body = {
        "email": serializers.email(result.email, g.user),
        "gmail_message_id": result.gmail_message_id,
        "gmail_thread_id": result.gmail_thread_id,
        "tracked": True,
        "warnings": result.warnings,
    }
    return jsonify(body), 201


@bp.post("/api/v1/tracked-threads/check")
def check_tracked():
    access = _access()
    try:
        report = check_tracked_threads(g.user, g.org, access.gmail)
    except google_errors.GoogleApiError as exc:
        raise gmail_error_to_api(exc, "")
    return jsonify(report.as_dict())


_person = {"type": "string", "maxLength": 320, "description": "An address, optionally with a name: \"Ada <ada@example.com>\"."}
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
                "description": "Who sees the logged copy; by default your own default, else the organisation's "
                "(a thread you keep private stays private).",
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
_token_header = {
    "name": TOKEN_HEADER,
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "A Gmail access token; without it the connected mailbox's credentials are used.",
}
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
            "responses": {"200": json_response("What was logged.", ref("TrackedThreadsReport")), **errors(400, 401, 403, 503)},
        }
    },
}
