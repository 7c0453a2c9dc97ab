"""The caller's organisation: settings, members, invitations and the audit log.

Members read the settings and the member list; only administrators change
anything, see invitations or read the audit log (403 for members). The rules
and the audited writes are identity/organisations.py; another organisation's
id is a 404.
"""

from flask import Blueprint, g

from threadbook import matching
from threadbook.api import openapi as doc
from threadbook.api.authentication import admin_required
from threadbook.api.identity_json import SYNC_SETTING_DOCS, invitation_json, org_json, user_json
from threadbook.api.params import boolean, choice, json_body, query_int, string
from threadbook.crm.serializers import iso
from threadbook.errors import CODES, ApiError, error_response
from threadbook.identity import organisations
from threadbook.identity.organisations import BOOLEAN_SETTINGS, SETTINGS, ChangeRefused, NotInOrganisation
from threadbook.models import ROLES, VISIBILITIES

bp = Blueprint("org", __name__)


@bp.errorhandler(NotInOrganisation)
def answer_not_found(exc):
    return error_response(404, CODES[404], str(exc))


@bp.errorhandler(ChangeRefused)
def answer_conflict(exc):
    return error_response(409, CODES[409], str(exc))


@bp.get("/org")
def get_org():
    return org_json(g.org)


@bp.patch("/org")
@admin_required
def update_org():
    body = json_body()
    unknown = sorted(set(body) - set(SETTINGS))
    if unknown:
        raise ApiError(400, f"Unknown setting(s): {', '.join(unknown)}. Settings are: {', '.join(SETTINGS)}.", field=unknown[0])
    wanted = {}
    if "name" in body:
        wanted["name"] = string(body, "name", required=True, max_length=200)
    if "default_visibility" in body:
        wanted["default_visibility"] = choice(body, "default_visibility", VISIBILITIES, required=True)
    for name in BOOLEAN_SETTINGS:
        if name in body:
            if body[name] is None:
                raise ApiError(400, f"'{name}' must be true or false.", field=name)
            wanted[name] = boolean(body, name)
    return org_json(organisations.update_settings(g.org, g.user, wanted))


@bp.get("/org/members")
def list_members():
    return {"members": [user_json(m) for m in organisations.members(g.org)]}


@bp.patch("/org/members/<int:id>")
@admin_required
def update_member(id):
    role = choice(json_body(), "role", ROLES, required=True)
    return user_json(organisations.change_role(g.org, g.user, id, role))


@bp.get("/org/invitations")
@admin_required
def list_invitations():
    return {"invitations": [invitation_json(i) for i in organisations.invitations(g.org)]}


@bp.post("/org/invitations")
@admin_required
def create_invitation():
    body = json_body()
    email = string(body, "email", required=True, max_length=254)
    role = choice(body, "role", ROLES, default="member")
    try:
        invitation = organisations.invite(g.org, g.user, email, role)
    except matching.InvalidAddress as exc:
        raise ApiError(400, str(exc), field="email") from exc
    return invitation_json(invitation), 201


@bp.delete("/org/invitations/<int:id>")
@admin_required
def delete_invitation(id):
    organisations.withdraw_invitation(g.org, g.user, id)
    return "", 204


@bp.get("/org/audit")
@admin_required
def list_audit():
    """Newest first; page back with ``before_id`` (the ``next_before_id`` of the previous page)."""
    limit = query_int("limit", 50, minimum=1, maximum=200)
    before_id = query_int("before_id", None, minimum=1)
    rows, people, next_before_id = organisations.audit_page(g.org, limit, before_id)
    return {"entries": [_audit_json(r, people.get(r.user_id)) for r in rows], "next_before_id": next_before_id}


def _audit_json(row, user):
    return {
        "id": row.id,
        "action": row.action,
        "detail": row.detail,
        "user": {"id": user.id, "email": user.email, "name": user.name} if user else None,
        "ip": row.ip,
        "created_at": iso(row.created_at),
    }


_SETTINGS_BODY = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "maxLength": 200},
        "invite_only": {"type": "boolean", "description": "Admit invited addresses only."},
        "store_bodies": {"type": "boolean", "description": "Store message bodies, not only metadata."},
        "default_visibility": {"type": "string", "enum": list(VISIBILITIES)},
        "sync_enabled": {"type": "boolean"},
        "archive_sorted_threads": {"type": "boolean"},
        **{name: {"type": "boolean", "description": text} for name, text in SYNC_SETTING_DOCS.items()},
    },
}
_ADMIN = "Administrators only (403 for members)."

OPENAPI_PATHS = {
    "/api/v1/org": {
        "get": {
            "summary": "Your organisation's settings",
            "tags": ["org"],
            "responses": {"200": doc.json_response("The organisation.", doc.ref("Organization"))},
        },
        "patch": {
            "summary": "Change settings",
            "description": _ADMIN,
            "tags": ["org"],
            "requestBody": doc.json_body(_SETTINGS_BODY),
            "responses": {"200": doc.json_response("The organisation.", doc.ref("Organization")), **doc.errors(400, 403)},
        },
    },
    "/api/v1/org/members": {
        "get": {
            "summary": "Members of your organisation",
            "tags": ["org"],
            "responses": {"200": doc.json_response("Members.", {"type": "object", "properties": {"members": {"type": "array", "items": doc.ref("Member")}}})},
        }
    },
    "/api/v1/org/members/{id}": {
        "patch": {
            "summary": "Change a member's role",
            "description": _ADMIN + " The last administrator cannot be demoted (409).",
            "tags": ["org"],
            "parameters": [doc.path_id()],
            "requestBody": doc.json_body({"type": "object", "required": ["role"], "properties": {"role": {"enum": list(ROLES)}}}),
            "responses": {"200": doc.json_response("The member.", doc.ref("Member")), **doc.errors(400, 403, 404, 409)},
        }
    },
    "/api/v1/org/invitations": {
        "get": {
            "summary": "Open invitations",
            "description": _ADMIN,
            "tags": ["org"],
            "responses": {
                "200": doc.json_response("Invitations.", {"type": "object", "properties": {"invitations": {"type": "array", "items": doc.ref("Invitation")}}}),
                **doc.errors(403),
            },
        },
        "post": {
            "summary": "Invite an address",
            "description": _ADMIN + " The invitation is used up when that address signs in.",
            "tags": ["org"],
            "requestBody": doc.json_body({"type": "object", "required": ["email"], "properties": {"email": {"type": "string"}, "role": {"enum": list(ROLES)}}}),
            "responses": {"201": doc.json_response("Invited.", doc.ref("Invitation")), **doc.errors(400, 403, 409)},
        },
    },
    "/api/v1/org/invitations/{id}": {
        "delete": {
            "summary": "Withdraw an invitation",
            "description": _ADMIN,
            "tags": ["org"],
            "parameters": [doc.path_id()],
            "responses": {"204": {"description": "Withdrawn."}, **doc.errors(403, 404)},
        }
    },
    "/api/v1/org/audit": {
        "get": {
            "summary": "The audit log, newest first",
            "description": _ADMIN + " Sign-ins, refused sign-ins and administrators' changes.",
            "tags": ["org"],
            "parameters": [
                doc.query("limit", {"type": "integer", "minimum": 1, "maximum": 200}, "Entries per page (default 50)."),
                doc.query("before_id", {"type": "integer", "minimum": 1}, "Entries older than this id (next_before_id)."),
            ],
            "responses": {
                "200": doc.json_response(
                    "A page of entries.",
                    {
                        "type": "object",
                        "properties": {
                            "entries": {"type": "array", "items": doc.ref("AuditEntry")},
                            "next_before_id": {"type": ["integer", "null"]},
                        },
                    },
                ),
                **doc.errors(400, 403),
            },
        }
    },
}

OPENAPI_SCHEMAS = {
    "AuditEntry": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "action": {"type": "string", "description": "signin, signin.refused, org.updated, member.role_changed, ..."},
            "detail": {"type": "object"},
            "user": {"type": ["object", "null"]},
            "ip": {"type": ["string", "null"]},
            "created_at": {"type": "string", "format": "date-time"},
        },
    }
}
