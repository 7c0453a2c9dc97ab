"""Logged emails: read one (as much as its visibility allows), and let its owner (or an admin) change who sees it (mail/emails.py)."""

from flask import Blueprint, g, jsonify

from threadbook.api.openapi import errors, json_response, path_id, ref
from threadbook.api.openapi import json_body as body_schema
from threadbook.api.params import choice, json_body
from threadbook.crm import serializers
from threadbook.errors import ApiError, not_found
from threadbook.mail import emails as mail_emails
from threadbook.models import VISIBILITIES

bp = Blueprint("emails", __name__)


@bp.get("/emails/<int:id>")
def get_email(id):
    try:
        email = mail_emails.visible_email(g.user, id)
    except mail_emails.EmailNotFound:
        raise not_found("email") from None
    return jsonify(serializers.email(email, g.user))


@bp.patch("/emails/<int:id>")
def update_email(id):
    visibility = choice(json_body(), "visibility", VISIBILITIES, required=True)
    try:
        email = mail_emails.change_visibility(g.user, id, visibility)
    except mail_emails.EmailNotFound:
        raise not_found("email") from None
    except mail_emails.NotAllowedToShare as exc:
        raise ApiError(403, str(exc)) from exc
    return jsonify(serializers.email(email, g.user))


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
            "summary": "Change who sees an email (its owner, or an administrator: audited)",
            "tags": ["emails"],
            "parameters": [path_id()],
            "requestBody": body_schema(
                {
                    "type": "object",
                    "required": ["visibility"],
                    "properties": {"visibility": {"enum": list(VISIBILITIES)}},
                }
            ),
            "responses": {"200": json_response("The updated email.", ref("Email")), **errors(400, 401, 403, 404, 415)},
        },
    }
}
