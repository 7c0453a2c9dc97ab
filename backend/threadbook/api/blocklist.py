"""The sync blocklist: addresses and domains whose mail is never stored.

Each user keeps their own entries; administrators keep the organisation's,
which apply to every mailbox. Entries are normalised (``John.Doe@GMail.com`` ->
``johndoe@gmail.com``; ``@Acme.com``, ``*.acme.com`` -> ``acme.com``). A
blocked domain covers its subdomains.
"""

import re

from flask import Blueprint, g, jsonify

from threadbook import matching
from threadbook.api import openapi as doc
from threadbook.api.params import choice, json_body, string
from threadbook.db import write_transaction
from threadbook.errors import ApiError, not_found
from threadbook.models import BlockedAddress

bp = Blueprint("blocklist", __name__, url_prefix="/api/v1/blocklist")

_DOMAIN = re.compile(r"^(?=.{3,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$")


def normalize_pattern(raw):
    """Return (pattern, kind) for an address or a domain, or raise a 400."""
    value = raw.strip().lower()
    if value.startswith("*."):
        value = value[2:]
    if value.startswith("@"):
        value = value[1:]
    if "@" in value:
        try:
            return matching.normalize_address(value), "address"
        except matching.InvalidAddress:
            raise ApiError(400, f"'{raw}' is not a valid email address.", field="pattern")
    value = value.strip(".")
    if not _DOMAIN.match(value):
        raise ApiError(400, f"'{raw}' is neither an email address nor a domain like example.com.", field="pattern")
    return value, "domain"


def serialize(entry):
    return {
        "id": entry.id,
        "pattern": entry.pattern,
        "kind": "address" if "@" in entry.pattern else "domain",
        "scope": "user" if entry.user_id else "org",
    }


def _visible():
    """Entries the caller sees: their own and the organisation's."""
    return BlockedAddress.select().where((BlockedAddress.org == g.org.id) & (BlockedAddress.user.is_null() | (BlockedAddress.user == g.user.id)))


@bp.get("")
def list_entries():
    entries = _visible().order_by(BlockedAddress.pattern, BlockedAddress.id)
    return jsonify(entries=[serialize(e) for e in entries])


@bp.post("")
def add_entry():
    body = json_body()
    pattern, _ = normalize_pattern(string(body, "pattern", required=True, max_length=254))
    scope = choice(body, "scope", ("user", "org"), default="user")
    if scope == "org" and g.user.role != "admin":
        raise ApiError(403, "Only an administrator can block an address for the whole organisation; use scope 'user' for yourself.")
    owner = None if scope == "org" else g.user.id
    with write_transaction():
        # NULL user ids never collide in a unique index, so check org-wide entries here.
        owner_clause = BlockedAddress.user.is_null() if owner is None else BlockedAddress.user == owner
        existing = BlockedAddress.get_or_none((BlockedAddress.org == g.org.id) & owner_clause & (BlockedAddress.pattern == pattern))
        if existing is not None:
            raise ApiError(409, f"'{pattern}' is already on the {scope} blocklist.", entry=serialize(existing))
        entry = BlockedAddress.create(org=g.org.id, user=owner, pattern=pattern)
    return jsonify(serialize(entry)), 201


@bp.delete("/<int:id>")
def delete_entry(id):
    with write_transaction():
        entry = _visible().where(BlockedAddress.id == id).first()
        if entry is None:
            raise not_found("blocklist entry")
        if entry.user_id is None and g.user.role != "admin":
            raise ApiError(403, "Only an administrator can remove an organisation-wide blocklist entry.")
        entry.delete_instance()
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
