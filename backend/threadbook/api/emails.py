"""Logged emails: read one (as much as its visibility allows), let its owner (or an admin) change who sees it
or its deal (mail/emails.py), or unlog it (mail/unlog.py)."""

from flask import Blueprint, g, jsonify

from threadbook.api.google_answers import google_token, token_header_doc
from threadbook.api.openapi import errors, json_response, path_id, ref
from threadbook.api.openapi import json_body as body_schema
from threadbook.api.params import choice, json_body
from threadbook.api.refs import record_id
from threadbook.crm import serializers
from threadbook.errors import ApiError, not_found
from threadbook.mail import deals, unlog
from threadbook.mail import emails as mail_emails
from threadbook.models import VISIBILITIES

bp = Blueprint("emails", __name__)


def deal_choice(body):
    """The deal named by body["deal_id"]: a Deal of the organisation, None for null (no deal), ``deals.KEEP`` when absent."""
    if "deal_id" not in body:
        return deals.KEEP
    deal_id = record_id(body, "deal_id")
    if deal_id is None:
        return None
    try:
        return deals.deal_in_org(g.user, deal_id)
    except deals.DealNotFound:
        raise ApiError(404, "No such deal in your organisation.", field="deal_id") from None


def _serialised(email):
    return serializers.emails([email], g.user)[0]


@bp.get("/emails/<int:id>")
def get_email(id):
    try:
        email = mail_emails.visible_email(g.user, id)
    except mail_emails.EmailNotFound:
        raise not_found("email") from None
    return jsonify(_serialised(email))


@bp.patch("/emails/<int:id>")
def update_email(id):
    body = json_body()
    visibility = choice(body, "visibility", VISIBILITIES)
    if "visibility" in body and visibility is None:
        raise ApiError(400, f"'visibility' must be one of {', '.join(VISIBILITIES)}.", field="visibility")
    deal = deal_choice(body)
    if visibility is None and deal is deals.KEEP:
        raise ApiError(400, "Say what to change: 'visibility' and/or 'deal_id'.", field="visibility")
    try:
        email = mail_emails.update_email(g.user, id, visibility=visibility, deal=deal)
    except mail_emails.EmailNotFound:
        raise not_found("email") from None
    except mail_emails.NotAllowedToShare as exc:
        raise ApiError(403, str(exc)) from exc
    return jsonify(_serialised(email))


@bp.delete("/emails/<int:id>")
def delete_email(id):
    token = google_token()
    try:
        unlog.unlog_email(g.user, g.org, id, token)
    except mail_emails.EmailNotFound:
        raise not_found("email") from None
    except unlog.NotAllowedToUnlog as exc:
        raise ApiError(403, str(exc)) from exc
    return "", 204


OPENAPI_PATHS = {
    "/api/v1/emails/{id}": {
        "get": {
            "summary": "Read a logged email",
            "description": "Snippet and body are null unless the email is yours or shared in full; another person's private mail is 404.",
            "tags": ["emails"],
            "parameters": [path_id()],
            "responses": {"200": json_response("The email.", ref("Email")), **errors(401, 404)},
        },
        "patch": {
            "summary": "Change who sees an email, or its deal (its owner, or an administrator: audited)",
            "tags": ["emails"],
            "parameters": [path_id()],
            "requestBody": body_schema(
                {
                    "type": "object",
                    "minProperties": 1,
                    "properties": {
                        "visibility": {"enum": list(VISIBILITIES)},
                        "deal_id": {
                            "type": ["integer", "null"],
                            "description": "A deal of your organisation to link the email to; null unlinks it. Unknown: 404 (field deal_id).",
                        },
                    },
                }
            ),
            "responses": {"200": json_response("The updated email.", ref("Email")), **errors(400, 401, 403, 404, 415)},
        },
        "delete": {
            "summary": "Unlog an email (its owner, or an administrator: audited)",
            "description": "Removes this copy from the CRM; contacts, notes, deals and colleagues' copies stay. Mail sync, the dropbox "
            "and tracked replies do not log it again for its owner; logging its thread by hand does. The Threadbook/Logged label "
            "is removed in Gmail where possible (your token for your own mail, else the owner's connected mailbox). "
            "A colleague who can see the email gets 403; one who cannot, 404.",
            "tags": ["emails"],
            "parameters": [path_id(), token_header_doc("Optional: a Gmail token with gmail.modify, to remove the label from your own mail.")],
            "responses": {"204": {"description": "Unlogged."}, **errors(400, 401, 403, 404)},
        },
    }
}
