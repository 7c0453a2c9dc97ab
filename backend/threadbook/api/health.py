"""Liveness and readiness: ``GET /healthz`` answers 200 only if every dependency the deployment uses does.

The database always; Redis when ``THREADBOOK_REDIS_URL`` is set (readiness.py).
A failure answers 503 naming what failed, so a load balancer takes the host out
and a person reading the answer knows where to look.
"""

from flask import Blueprint, current_app, jsonify

from threadbook import readiness
from threadbook.errors import ApiError

bp = Blueprint("health", __name__)
_NAMES = {"database": "the database", "redis": "Redis"}


@bp.get("/healthz")
def healthz():
    checks = readiness.check(current_app.config)
    failed = readiness.failed(checks)
    if failed:
        names = " and ".join(_NAMES.get(name, name) for name in failed)
        message = f"{names[0].upper()}{names[1:]} {'is' if len(failed) == 1 else 'are'} not answering; try again shortly (docs/redis.md, docs/backend.md)."
        raise ApiError(503, message, code="dependency_unavailable", ok=False, failed=failed, checks=checks)
    return jsonify(ok=True, checks=checks)


_CHECKS = {
    "type": "object",
    "description": 'Each dependency the deployment uses ("database"; "redis" when THREADBOOK_REDIS_URL is set): "ok" or what went wrong.',
    "additionalProperties": {"type": "string"},
    "example": {"database": "ok", "redis": "unreachable: ConnectionError"},
}

OPENAPI_PATHS = {
    "/healthz": {
        "get": {
            "summary": "Liveness and readiness",
            "description": "200 when the database (and Redis, when configured) answer within a short timeout; else 503 naming what failed.",
            "tags": ["meta"],
            "security": [],
            "responses": {
                "200": {
                    "description": "The app and every dependency it uses answer.",
                    "content": {
                        "application/json": {"schema": {"type": "object", "required": ["ok"], "properties": {"ok": {"const": True}, "checks": _CHECKS}}}
                    },
                },
                "503": {
                    "description": "A dependency does not answer (`dependency_unavailable`); `failed` names it.",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["error", "message", "ok", "failed", "checks"],
                                "properties": {
                                    "error": {"const": "dependency_unavailable"},
                                    "message": {"type": "string"},
                                    "ok": {"const": False},
                                    "failed": {"type": "array", "items": {"enum": ["database", "redis"]}},
                                    "checks": _CHECKS,
                                },
                            }
                        }
                    },
                },
            },
        }
    }
}
