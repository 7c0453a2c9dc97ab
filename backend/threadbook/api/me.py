"""Who the caller is: ``GET /api/v1/me`` answers ``{"user", "org"}`` for the session's user."""

from flask import Blueprint, g

from . import openapi as doc
from .identity_json import org_json, user_json

bp = Blueprint("me", __name__, url_prefix="/api/v1")


@bp.get("/me")
def me():
    return {"user": user_json(g.user), "org": org_json(g.org)}


OPENAPI_PATHS = {
    "/api/v1/me": {
        "get": {
            "summary": "The signed-in user and their organisation",
            "tags": ["auth"],
            "responses": {
                "200": doc.json_response(
                    "You.",
                    {"type": "object", "required": ["user", "org"], "properties": {"user": doc.ref("Member"), "org": doc.ref("Organization")}},
                ),
                **doc.errors(401),
            },
        }
    }
}
