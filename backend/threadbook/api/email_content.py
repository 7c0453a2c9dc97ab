"""An email's content read live from the caller's own Gmail (mail/live_content.py): what no-copy mode does not store."""

from flask import Blueprint, g

from threadbook.api.google_answers import google_token, token_header_doc
from threadbook.api.openapi import errors, json_response, path_id
from threadbook.errors import not_found
from threadbook.mail import live_content
from threadbook.mail.emails import EmailNotFound

bp = Blueprint("email_content", __name__)


@bp.get("/emails/<int:id>/content")
def read_content(id):
    try:
        found = live_content.read_live(g.user, g.org, id, google_token())
    except EmailNotFound:
        raise not_found("email") from None
    return {"email_id": found.email_id, "content": found.content, "found_by": found.found_by, "reason": found.reason, "message": found.message}


_PERSON = {"type": "object", "properties": {"name": {"type": "string"}, "email": {"type": "string"}}}
_ANSWER = {
    "type": "object",
    "required": ["email_id", "content", "reason"],
    "properties": {
        "email_id": {"type": "integer"},
        "content": {
            "type": ["object", "null"],
            "description": "null when your own Gmail cannot show it (see reason)",
            "properties": {
                "subject": {"type": "string"},
                "snippet": {"type": "string"},
                "body": {"type": "string", "description": "Plain text (an HTML-only message reduced to text); show it as text."},
                "from": _PERSON,
                "date": {"type": "string", "format": "date-time"},
            },
        },
        "found_by": {"type": ["string", "null"], "enum": ["your_copy", "message_id", None]},
        "reason": {"type": ["string", "null"], "enum": [*live_content.REASONS, None]},
        "message": {"type": ["string", "null"], "description": "What the reason means, for a person."},
    },
}

OPENAPI_PATHS = {
    "/api/v1/emails/{id}/content": {
        "get": {
            "summary": "Read an email's content live from your own Gmail",
            "description": "For mail you may read in full (your own copy, or one shared in full); another person's private mail is 404. "
            "The content comes only from your own Gmail: by your copy's Gmail id, else by searching your mailbox for its Message-ID; "
            "never from a colleague's mailbox. When your Gmail cannot show it, content is null and reason says why "
            "(not_shared, no_mailbox, not_in_your_gmail, gmail_refused, gmail_unavailable). Nothing read is stored.",
            "tags": ["emails"],
            "parameters": [path_id(), token_header_doc("Optional: your Gmail token (gmail.readonly or broader); else your connected mailbox is used.")],
            "responses": {"200": json_response("The content, or why there is none.", _ANSWER), **errors(400, 401, 404)},
        }
    }
}
