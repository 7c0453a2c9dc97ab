"""The caller's organisation: settings, members and invitations (the audit log: org_audit.py).

Members read the settings (deal stages included) and the member list; only
administrators change anything or see invitations (403 for members). The
rules and the audited writes are identity/organisations.py; another
organisation's id is a 404.
"""

from flask import Blueprint, g

from threadbook import matching
from threadbook.api import openapi as doc
from threadbook.api.authentication import admin_required
from threadbook.api.identity_json import NO_COPY_SETTING_DOCS, SYNC_SETTING_DOCS, invitation_json, org_json, user_json
from threadbook.api.params import boolean, check_storable, choice, json_body, string
from threadbook.errors import CODES, ApiError, error_response
from threadbook.identity import organisations
from threadbook.identity.organisations import BOOLEAN_SETTINGS, SETTINGS, ChangeRefused, NotInOrganisation
from threadbook.mail import no_copy_switch
from threadbook.models import ROLES, VISIBILITIES

bp = Blueprint("org", __name__)

MAX_DEAL_STAGES, MAX_STAGE_LENGTH = 20, 50


@bp.errorhandler(NotInOrganisation)
def answer_not_found(exc):
    return error_response(404, CODES[404], str(exc))


@bp.errorhandler(ChangeRefused)
def answer_conflict(exc):
    return error_response(409, CODES[409], str(exc))


@bp.errorhandler(no_copy_switch.PurgeNotConfirmed)
def answer_purge_not_confirmed(exc):
    return error_response(409, "purge_not_confirmed", str(exc), emails=exc.emails, parts=exc.parts)


@bp.get("/org")
def get_org():
    return org_json(g.org)


@bp.patch("/org")
@admin_required
def update_org():
    body = json_body()
    confirm = _purge_confirmation(body)
    unknown = sorted(set(body) - set(SETTINGS))
    if unknown:
        raise ApiError(400, f"Unknown setting(s): {', '.join(unknown)}. Settings are: {', '.join(SETTINGS)}.", field=unknown[0])
    wanted = {}
    if "name" in body:
        wanted["name"] = string(body, "name", required=True, max_length=200)
    if "default_visibility" in body:
        wanted["default_visibility"] = choice(body, "default_visibility", VISIBILITIES, required=True)
    if "deal_stages" in body:
        wanted["deal_stages"] = _deal_stages(body["deal_stages"])
    for name in BOOLEAN_SETTINGS:
        if name in body:
            if body[name] is None:
                raise ApiError(400, f"'{name}' must be true or false.", field=name)
            wanted[name] = boolean(body, name)
    return org_json(no_copy_switch.update_settings(g.org, g.user, wanted, confirm))


def _purge_confirmation(body):
    """Take ``confirm`` out of the body: the word that allows a change to purge stored mail content (no-copy mode)."""
    if "confirm" not in body:
        return None
    confirm = body.pop("confirm")
    if confirm != no_copy_switch.CONFIRMATION:
        raise ApiError(400, f"'confirm' must be \"{no_copy_switch.CONFIRMATION}\" (it allows deleting stored mail content).", field="confirm")
    return confirm


def _deal_stages(value):
    """An ordered list of 1 to MAX_DEAL_STAGES distinct names (case aside), each 1 to MAX_STAGE_LENGTH characters once trimmed."""
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_DEAL_STAGES:
        raise ApiError(400, f"'deal_stages' must be a list of 1 to {MAX_DEAL_STAGES} stage names, in order.", field="deal_stages")
    stages, seen = [], set()
    for position, name in enumerate(value, start=1):
        if not isinstance(name, str) or not name.strip():
            raise ApiError(400, f"Deal stage {position} must be a name, not empty.", field="deal_stages")
        name = name.strip()
        if len(name) > MAX_STAGE_LENGTH:
            raise ApiError(400, f"Deal stage {position} is longer than {MAX_STAGE_LENGTH} characters.", field="deal_stages")
        check_storable(name, f"Deal stage {position}", field="deal_stages")
        if name.casefold() in seen:
            raise ApiError(400, f"The deal stage '{name}' is listed twice.", field="deal_stages")
        seen.add(name.casefold())
        stages.append(name)
    return stages


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
        "deal_stages": {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_DEAL_STAGES,
            "items": {"type": "string", "minLength": 1, "maxLength": MAX_STAGE_LENGTH},
            "description": "The deal stages offered, in order; names are trimmed and distinct regardless of case.",
        },
        **{name: {"type": "boolean", "description": text} for name, text in SYNC_SETTING_DOCS.items()},
        **{name: {"type": "boolean", "description": text} for name, text in NO_COPY_SETTING_DOCS.items()},
        "confirm": {
            "type": "string",
            "enum": [no_copy_switch.CONFIRMATION],
            "description": "Required when the change deletes stored mail content (no-copy mode on, or subjects off under it); "
            "without it such a change answers 409 purge_not_confirmed with the number of emails and what they would lose.",
        },
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
            "responses": {"200": doc.json_response("The organisation.", doc.ref("Organization")), **doc.errors(400, 403, 409)},
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
}
