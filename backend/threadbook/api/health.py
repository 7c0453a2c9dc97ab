"""Liveness and readiness: ``GET /healthz`` answers only if the database does."""

from flask import Blueprint, jsonify

from threadbook.db import database
from threadbook.errors import ApiError

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        database.execute_sql("SELECT 1").fetchone()
    except Exception as exc:  # any driver error means "not ready"
        raise ApiError(503, f"The database is not answering ({exc.__class__.__name__}); try again shortly.") from exc
    return jsonify(ok=True)


OPENAPI_PATHS = {
    "/healthz": {
        "get": {
            "summary": "Liveness and readiness",
            "tags": ["meta"],
            "security": [],
            "responses": {
                "200": {
                    "description": "The app and its database answer.",
                    "content": {"application/json": {"schema": {"type": "object", "required": ["ok"], "properties": {"ok": {"const": True}}}}},
                },
                "503": {"$ref": "#/components/responses/Error"},
            },
        }
    }
}
