"""The caller's organisation: settings, members, invitations and the audit log.

Members read the settings and the member list; only administrators change
anything, see invitations or read the audit log (403 for members). Every id is
looked up within the caller's organisation: another organisation's id is a 404.
Each change is audited.
"""

from flask import Blueprint, g
from peewee import IntegrityError

from threadbook import audit, matching
from threadbook.api import openapi as doc
from threadbook.api.identity_json import invitation_json, org_json, user_json
from threadbook.api.params import boolean, choice, json_body, query_int, string
from threadbook.crm.serializers import iso
from threadbook.db import write_transaction
from threadbook.errors import ApiError, not_found
from threadbook.identity.sessions import admin_required
from threadbook.models import ROLES, VISIBILITIES, AuditLog, Invitation, Organization, User

bp = Blueprint("org", __name__, url_prefix="/api/v1/org")

BOOLEAN_SETTINGS = ("invite_only", "store_bodies", "sync_enabled", "archive_sorted_threads")
SETTINGS = ("name", "default_visibility") + BOOLEAN_SETTINGS


@bp.get("")
def get_org():
    return org_json(g.org)


@bp.patch("")
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
    with write_transaction():
        org = Organization.get_by_id(g.org.id)
        changes = {name: [getattr(org, name), value] for name, value in wanted.items() if getattr(org, name) != value}
        if changes:
            for name, (_, value) in changes.items():
                setattr(org, name, value)
            org.save()
            audit.record("org.updated", org=org, user=g.user, changes=changes)
    return org_json(org)


@bp.get("/members")
def list_members():
    members = User.select().where(User.org == g.org.id).order_by(User.id)
    return {"members": [user_json(m) for m in members]}


@bp.patch("/members/<int:id>")
@admin_required
def update_member(id):
    body = json_body()
    role = choice(body, "role", ROLES, required=True)
    with write_transaction():
        member = _member(id)
        if member.role != role:
            if member.role == "admin" and _admin_count() == 1:
                raise ApiError(409, "This is the organisation's only administrator; make someone else an administrator first.")
            audit.record("member.role_changed", org=g.org.id, user=g.user, member_id=member.id, email=member.email, old=member.role, new=role)
            member.role = role
            member.save()
    return user_json(member)


@bp.get("/invitations")
@admin_required
def list_invitations():
    rows = Invitation.select().where(Invitation.org == g.org.id).order_by(Invitation.id)
    return {"invitations": [invitation_json(i) for i in rows]}


@bp.post("/invitations")
@admin_required
def create_invitation():
    body = json_body()
    email = string(body, "email", required=True, max_length=254)
    role = choice(body, "role", ROLES, default="member")
    try:
        normalized = matching.normalize_address(email)
    except matching.InvalidAddress as exc:
        raise ApiError(400, str(exc), field="email")
    try:
        with write_transaction():
            if User.select().where((User.org == g.org.id) & (User.email_normalized == normalized)).exists():
                raise ApiError(409, f"{email} is already a member of your organisation.")
            invitation = Invitation.create(org=g.org.id, email_normalized=normalized, role=role, invited_by=g.user)
            audit.record("invitation.created", org=g.org.id, user=g.user, email=normalized, role=role)
    except IntegrityError:
        raise ApiError(409, f"{email} is already invited.")
    return invitation_json(invitation), 201


@bp.delete("/invitations/<int:id>")
@admin_required
def delete_invitation(id):
    with write_transaction():
        invitation = Invitation.get_or_none((Invitation.id == id) & (Invitation.org == g.org.id))
        if invitation is None:
            raise not_found("invitation")
        invitation.delete_instance()
        audit.record("invitation.deleted", org=g.org.id, user=g.user, email=invitation.email_normalized, role=invitation.role)
    return "", 204


@bp.get("/audit")
@admin_required
def list_audit():
    """Newest first; page back with ``before_id`` (the ``next_before_id`` of the previous page)."""
    limit = query_int("limit", 50, minimum=1, maximum=200)
    before_id = query_int("before_id", None, minimum=1)
    query = AuditLog.select().where(AuditLog.org == g.org.id)
    if before_id is not None:
        query = query.where(AuditLog.id < before_id)
    rows = list(query.order_by(AuditLog.id.desc()).limit(limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    people = {u.id: u for u in User.select(User.id, User.email, User.name).where(User.id.in_({r.user_id for r in rows if r.user_id}))}
    return {
        "entries": [_audit_json(r, people.get(r.user_id)) for r in rows],
        "next_before_id": rows[-1].id if more else None,
    }


def _audit_json(row, user):
    return {
        "id": row.id,
        "action": row.action,
        "detail": row.detail,
        "user": {"id": user.id, "email": user.email, "name": user.name} if user else None,
        "ip": row.ip,
        "created_at": iso(row.created_at),
    }


def _member(member_id):
    member = User.get_or_none((User.id == member_id) & (User.org == g.org.id))
    if member is None:
        raise not_found("member")
    return member


def _admin_count():
    return User.select().where((User.org == g.org.id) & (User.role == "admin")).count()


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
    },
}
_ADMIN = "Administrators only (403 for members)."

OPENAPI_PATHS = {
    "/api/v1/org": {
        "get": {"summary": "Your organisation's settings", "tags": ["org"], "responses": {"200": doc.json_response("The organisation.", doc.ref("Organization"))}},
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
                "200": doc.json_response(
                    "Invitations.", {"type": "object", "properties": {"invitations": {"type": "array", "items": doc.ref("Invitation")}}}
                ),
                **doc.errors(403),
            },
        },
        "post": {
            "summary": "Invite an address",
            "description": _ADMIN + " The invitation is used up when that address signs in.",
            "tags": ["org"],
            "requestBody": doc.json_body(
                {"type": "object", "required": ["email"], "properties": {"email": {"type": "string"}, "role": {"enum": list(ROLES)}}}
            ),
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
