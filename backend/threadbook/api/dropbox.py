"""Your BCC dropbox address: ``GET /api/v1/dropbox``, and ``POST /api/v1/dropbox/rotate`` to replace a leaked one."""

from flask import Blueprint, current_app, g, jsonify

from threadbook.api.openapi import errors, json_response, ref
from threadbook.dropbox.addresses import RotationFailed, dropbox_address, rotate
from threadbook.errors import ApiError

bp = Blueprint("dropbox", __name__)


def _present(user):
    domain = current_app.config["DROPBOX_DOMAIN"]
    return {
        "address": dropbox_address(user, domain),
        "enabled": bool(domain),
        "max_bytes": current_app.config["DROPBOX_MAX_BYTES"],
    }


@bp.get("/dropbox")
def get_dropbox():
    return jsonify(_present(g.user))


@bp.post("/dropbox/rotate")
def rotate_dropbox():
    try:
        user = rotate(g.user)
    except RotationFailed as exc:
        raise ApiError(503, str(exc)) from exc
    return jsonify(_present(user))


OPENAPI_SCHEMAS = {
    "Dropbox": {
        "type": "object",
        "required": ["address", "enabled", "max_bytes"],
        "properties": {
            "address": {
                "type": ["string", "null"],
                "description": "Put it in Cc or Bcc of mail you send and the mail is logged; null when the server has no dropbox domain.",
            },
            "enabled": {"type": "boolean", "description": "THREADBOOK_DROPBOX_DOMAIN is set."},
            "max_bytes": {"type": "integer", "description": "Larger messages are refused."},
        },
    }
}
OPENAPI_PATHS = {
    "/api/v1/dropbox": {
        "get": {
            "summary": "Your BCC dropbox address",
            "tags": ["dropbox"],
            "responses": {"200": json_response("Your dropbox.", ref("Dropbox")), **errors(401)},
        }
    },
    "/api/v1/dropbox/rotate": {
        "post": {
            "summary": "Replace your dropbox address (the old one stops working)",
            "tags": ["dropbox"],
            "responses": {"200": json_response("Your new dropbox.", ref("Dropbox")), **errors(401, 503)},
        }
    },
}
