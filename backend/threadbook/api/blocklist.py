"""The sync blocklist routes: the caller's and the organisation's entries (sync/blocklist.py keeps the rules).

Mail with a blocked address or domain is never stored; a member keeps their
own entries, an administrator the organisation's.
"""

from flask import Blueprint, g, jsonify

from threadbook.api import openapi as doc
from threadbook.api.params import choice, json_body, string
from threadbook.errors import ApiError, not_found
from threadbook.sync import blocklist

bp = Blueprint("blocklist", __name__)


def serialize(entry):
    return {"id": entry.id, "pattern": entry.pattern, "kind": blocklist.kind_of(entry), "scope": blocklist.scope_of(entry)}


@bp.get("/blocklist")
def list_entries():
    return jsonify(entries=[serialize(e) for e in blocklist.listed(g.user, g.org)])


@bp.post("/blocklist")
def add_entry():
    body = json_body()
    try:
        pattern, _ = blocklist.normalize_pattern(string(body, "pattern", required=True, max_length=254))
    except blocklist.InvalidPattern as exc:
        raise ApiError(400, str(exc), field="pattern") from exc
    scope = choice(body, "scope", blocklist.SCOPES, default="user")
    try:
        entry = blocklist.add(g.user, g.org, pattern, scope)
    except blocklist.AdminOnly as exc:
        raise ApiError(403, str(exc)) from exc
    except blocklist.AlreadyBlocked as exc:
        raise ApiError(409, str(exc), entry=serialize(exc.entry)) from exc
    return jsonify(serialize(entry)), 201


@bp.delete("/blocklist/<int:id>")
def delete_entry(id):
    try:
        blocklist.remove(g.user, g.org, id)
    except blocklist.NoSuchEntry:
        raise not_found("blocklist entry") from None
    except blocklist.AdminOnly as exc:
        raise ApiError(403, str(exc)) from exc
    return "", 204


OPENAPI_SCHEMAS = {
    "BlocklistEntry": {
        "type": "object",
        "required": ["id", "pattern", "kind", "scope"],
        "properties": {
            "id": {"type": "integer"},
            "pattern": {"type": "string", "description": "A normalised address, or a domain (which covers its subdomains)."},
            "kind": {"type": "string", "enum": ["address", "domain"]},
            "scope": {"type": "string", "enum": ["user", "org"], "description": "The caller's own entry, or the organisation's."},
        },
    }
}

OPENAPI_PATHS = {
    "/api/v1/blocklist": {
        "get": {
            "summary": "The caller's and the organisation's blocklist: mail with these addresses is never synced",
            "tags": ["sync"],
            "responses": {
                "200": doc.json_response(
                    "Entries.", {"type": "object", "required": ["entries"], "properties": {"entries": {"type": "array", "items": doc.ref("BlocklistEntry")}}}
                ),
                **doc.errors(401),
            },
        },
        "post": {
            "summary": "Block an address or a domain from sync (scope 'org' needs an administrator)",
            "tags": ["sync"],
            "requestBody": doc.json_body(
                {
                    "type": "object",
                    "required": ["pattern"],
                    "properties": {
                        "pattern": {"type": "string", "description": "ann@example.com, example.com, @example.com or *.example.com"},
                        "scope": {"type": "string", "enum": ["user", "org"], "default": "user"},
                    },
                }
            ),
            "responses": {"201": doc.json_response("Blocked.", doc.ref("BlocklistEntry")), **doc.errors(400, 401, 403, 409)},
        },
    },
    "/api/v1/blocklist/{id}": {
        "delete": {
            "summary": "Remove a blocklist entry (an organisation entry needs an administrator)",
            "tags": ["sync"],
            "parameters": [doc.path_id()],
            "responses": {"204": {"description": "Removed."}, **doc.errors(401, 403, 404)},
        }
    },
}
