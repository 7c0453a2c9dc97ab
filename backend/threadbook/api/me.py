"""Who the caller is: ``GET /api/v1/me`` answers ``{"user", "org"}``; ``PATCH`` sets the caller's own preferences."""

from flask import Blueprint, g

from threadbook.api import openapi as doc
from threadbook.api.identity_json import org_json, user_json
from threadbook.api.params import boolean, json_body
from threadbook.errors import ApiError
from threadbook.identity import preferences
from threadbook.mail import notifications
from threadbook.models import VISIBILITIES

bp = Blueprint("me", __name__)


@bp.get("/me")
def me():
    return {"user": user_json(g.user), "org": org_json(g.org)}


@bp.patch("/me")
def update_me():
    """Set who sees the caller's new mail by default (null: the organisation's default)."""
    body = json_body()
    if "default_visibility" not in body and "notifications_enabled" not in body:
        raise ApiError(400, "Nothing to change: send 'default_visibility' (a level, or null for the organisation's default) or 'notifications_enabled'.")
    level = body.get("default_visibility")
    if level is not None and level not in VISIBILITIES:
        raise ApiError(400, f"'default_visibility' must be one of: {', '.join(VISIBILITIES)}, or null.", field="default_visibility")
    enabled = boolean(body, "notifications_enabled")
    if "notifications_enabled" in body and enabled is None:
        raise ApiError(400, "'notifications_enabled' must be true or false.", field="notifications_enabled")
    if "default_visibility" in body:
        preferences.set_default_visibility(g.user, level)
    if enabled is not None:
        notifications.set_enabled(g.user, enabled)
    return {"user": user_json(g.user), "org": org_json(g.org)}


_me_response = {"type": "object", "required": ["user", "org"], "properties": {"user": doc.ref("Member"), "org": doc.ref("Organization")}}

OPENAPI_PATHS = {
    "/api/v1/me": {
        "get": {
            "summary": "The signed-in user and their organisation",
            "tags": ["auth"],
            "responses": {"200": doc.json_response("You.", _me_response), **doc.errors(401)},
        },
        "patch": {
            "summary": "Your preferences: who sees your new mail by default; new-mail notifications on or off",
            "tags": ["auth"],
            "requestBody": doc.json_body(
                {
                    "type": "object",
                    "properties": {
                        "default_visibility": {"type": ["string", "null"], "enum": [*VISIBILITIES, None]},
                        "notifications_enabled": {"type": "boolean", "description": "New-mail notifications (default on)."},
                    },
                }
            ),
            "responses": {"200": doc.json_response("You, updated.", _me_response), **doc.errors(400, 401, 415)},
        },
    }
}
