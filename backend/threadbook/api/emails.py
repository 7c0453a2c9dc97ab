"""Logged emails: read one (as much as its visibility allows), and let its owner (or an admin) change who sees it."""

from flask import Blueprint, g, jsonify

from threadbook import audit
from threadbook.api.openapi import errors, json_response, path_id, ref
from threadbook.api.openapi import json_body as body_schema
from threadbook.api.params import choice, json_body
from threadbook.crm import serializers
from threadbook.db import write_transaction
from threadbook.errors import ApiError, not_found
from threadbook.identity.access import can_change_visibility, visible_emails
from threadbook.models import VISIBILITIES, Email

bp = Blueprint("emails", __name__)


def _visible_email(email_id):
    """The email if the caller may see it at all; 404 otherwise (as for another organisation's)."""
    if not 0 < email_id < 2**63:
        raise not_found("email")
    email = Email.select().where((Email.id == email_id) & visible_emails(g.user)).first()
    if email is None:
        raise not_found("email")
    return email


@bp.get("/api/v1/emails/<int:id>")
def get_email(id):
    return jsonify(serializers.email(_visible_email(id), g.user))


@bp.patch("/api/v1/emails/<int:id>")
def update_email(id):
    body = json_body()
    visibility = choice(body, "visibility", VISIBILITIES, required=True)
    with write_transaction():
        email = _visible_email(id)
        if not can_change_visibility(g.user, email):
            raise ApiError(403, "Only the person whose mail this is, or an administrator, can change who sees it.")
        if visibility != email.visibility:
            Email.update(visibility=visibility).where(Email.id == email.id).execute()
            audit.record(
                "email.visibility_changed", org=g.user.org_id, user=g.user.id,
                email_id=email.id, owner_id=email.owner_id, old=email.visibility, new=visibility,
            )
    return jsonify(serializers.email(Email.get_by_id(id), g.user))


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
