"""Change the connected mailbox to another Google account the user owns (sync/readdress.py says what happens).

``POST /api/v1/me/mailbox/replace`` ``{"email", "redirect_uri"?}`` answers the
consent to open, as ``/mailbox/connect/start`` does; Google redirects with
``code`` and ``state``; ``POST /api/v1/me/mailbox/replace/finish``
``{"code", "state", "redirect_uri"}`` switches and answers the mailbox status.
Refusals are the mailbox routes' (api/mailboxes.py ``answer_refusal``).
"""

from flask import Blueprint, g

from threadbook.api import mailboxes
from threadbook.api import openapi as doc
from threadbook.api.params import consent_answer, json_body, string
from threadbook.sync import connect_oauth, readdress
from threadbook.sync.connection import MailboxRefused

bp = Blueprint("mailbox_replace", __name__)
bp.register_error_handler(MailboxRefused, mailboxes.answer_refusal)


@bp.post("/me/mailbox/replace")
def replace_start():
    connect_oauth.require_client()  # a 503 before any input is read
    body = json_body()
    email = string(body, "email", required=True, max_length=254)
    return readdress.start(g.user, g.org, email, string(body, "redirect_uri", max_length=500))


@bp.post("/me/mailbox/replace/finish")
def replace_finish():
    connect_oauth.require_client()
    code, state, redirect_uri = consent_answer()
    readdress.finish(g.user, g.org, code, state, redirect_uri)
    return mailboxes.mailbox_status()


def _op(summary, responses, body):
    return {"summary": summary, "tags": ["sync"], "responses": responses, "requestBody": doc.json_body(body)}


OPENAPI_PATHS = {
    "/api/v1/me/mailbox/replace": {
        "post": _op(
            "Start switching the connected mailbox to another Google account the caller owns",
            {
                "200": doc.json_response(
                    "Open authorization_url (consent for that account); Google redirects to redirect_uri with code and state.",
                    {
                        "type": "object",
                        "required": ["authorization_url", "state"],
                        "properties": {"authorization_url": {"type": "string"}, "state": {"type": "string"}, "redirect_uri": {"type": "string"}},
                    },
                ),
                **doc.errors(400, 401, 409, 503),
            },
            {
                "type": "object",
                "required": ["email"],
                "properties": {
                    "email": {"type": "string", "description": "The address of the mailbox to switch to (409 when it is someone else's)."},
                    "redirect_uri": {"type": "string", "description": "Default: https://<extension id>.chromiumapp.org/"},
                },
            },
        )
    },
    "/api/v1/me/mailbox/replace/finish": {
        "post": _op(
            "Finish switching: the new grant replaces the old (revoked at Google), the address changes, sync starts afresh",
            {"200": doc.json_response("Switched; the new mailbox's first sync is queued.", doc.ref("MailboxStatus")), **doc.errors(400, 401, 409, 502, 503)},
            {
                "type": "object",
                "required": ["code", "state", "redirect_uri"],
                "properties": {"code": {"type": "string"}, "state": {"type": "string"}, "redirect_uri": {"type": "string"}},
            },
        )
    },
}
