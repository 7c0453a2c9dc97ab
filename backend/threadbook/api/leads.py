"""Leads: create (409 when the address is taken), search, read, update, convert into a contact."""

from flask import Blueprint, g, jsonify, request
from peewee import IntegrityError

from threadbook import matching
from threadbook.api.openapi import PAGE_PARAMS, errors, json_response, page_of, path_id, query, ref
from threadbook.api.openapi import json_body as body_schema
from threadbook.api.ownership import OWNER_ID_SCHEMA, change_owner, delete_in_org
from threadbook.api.pages import paginate, search_term
from threadbook.api.params import choice, json_body, string
from threadbook.api.refs import address, name_field, owner_ref
from threadbook.crm import store as crm
from threadbook.crm.records import address_owner, get_in_org, present_contact, present_lead, present_leads
from threadbook.db import write_transaction
from threadbook.errors import ApiError
from threadbook.models import LEAD_STATUSES, Contact, Lead, Note, utcnow

bp = Blueprint("leads", __name__)

EDITABLE_STATUSES = tuple(s for s in LEAD_STATUSES if s != "converted")


def conflict(normalized, what="address"):
    """A 409 naming whoever already holds the address."""
    existing = address_owner(g.org.id, normalized)
    kind = existing["kind"] if existing else "record"
    return ApiError(
        409,
        f"This {what} already belongs to a {kind} in your organisation.",
        existing=existing,
    )


def _converted(lead, message):
    """A 409 pointing at the contact a lead became."""
    contact = Contact.get_or_none(Contact.id == lead.converted_contact_id) if lead.converted_contact_id else None
    existing = {"kind": "contact", "record": present_contact(contact)} if contact else None
    return ApiError(409, message, existing=existing)


def _lead_fields(body, partial):
    fields = {}
    if "name" in body or not partial:
        name = name_field(body) or ""
        fields.update(name=name, name_lower=name.lower())
    if "title" in body:
        fields["title"] = string(body, "title", max_length=200) or None
    if "company_name" in body:
        fields["company_name"] = string(body, "company_name", max_length=200) or None
    if "status" in body:
        fields["status"] = choice(body, "status", EDITABLE_STATUSES) or "new"
    if "owner_id" in body:
        owner = owner_ref(body)
        fields["owner"] = owner.id if owner else None
    return fields


@bp.post("/api/v1/leads")
def create_lead():
    body = json_body()
    written, normalized = address(body, "email", required=True)
    fields = _lead_fields(body, partial=False)
    fields.setdefault("owner", g.user.id)
    if "company_name" not in fields:
        domain = matching.company_domain(written)
        fields["company_name"] = matching.guess_company_name(domain) if domain else None
    try:
        with write_transaction():
            if address_owner(g.org.id, normalized) is not None:
                raise conflict(normalized)
            lead = Lead.create(org=g.org.id, email=written, email_normalized=normalized, **fields)
    except IntegrityError:
        raise conflict(normalized)
    return jsonify(present_lead(lead)), 201


@bp.get("/api/v1/leads")
def list_leads():
    query_ = Lead.select().where(Lead.org == g.org.id)
    term = search_term()
    if term:
        query_ = query_.where(Lead.name_lower.contains(term) | Lead.email_normalized.contains(term) | Lead.email.contains(term))
    status = request.args.get("status")
    if status:
        if status not in LEAD_STATUSES:
            raise ApiError(400, f"Query parameter 'status' must be one of: {', '.join(LEAD_STATUSES)}.")
        query_ = query_.where(Lead.status == status)
    return jsonify(paginate(query_.order_by(Lead.id.desc()), present_leads))


@bp.get("/api/v1/leads/<int:id>")
def get_lead(id):
    return jsonify(present_lead(get_in_org(Lead, id, g.org.id, "lead")))


@bp.patch("/api/v1/leads/<int:id>")
def update_lead(id):
    body = json_body()
    fields = _lead_fields(body, partial=True)
    new_address = address(body, "email")
    try:
        with write_transaction():
            lead = get_in_org(Lead, id, g.org.id, "lead", lock=True)
            change_owner(lead, fields)
            if lead.status == "converted" and (fields or new_address):
                raise _converted(lead, "This lead was converted into a contact; edit the contact instead.")
            if new_address and new_address[1] != lead.email_normalized:
                if address_owner(g.org.id, new_address[1]) is not None:
                    raise conflict(new_address[1])
                fields.update(email=new_address[0], email_normalized=new_address[1])
            elif new_address:
                fields["email"] = new_address[0]
            if fields:
                fields["updated_at"] = utcnow()
                Lead.update(**fields).where(Lead.id == lead.id).execute()
    except IntegrityError:
        raise conflict(new_address[1] if new_address else lead.email_normalized)
    return jsonify(present_lead(Lead.get_by_id(id)))


@bp.delete("/api/v1/leads/<int:id>")
def delete_lead(id):
    return delete_in_org(Lead, id, crm.delete_lead)


@bp.post("/api/v1/leads/<int:id>/convert")
def convert_lead(id):
    """Turn a lead into a contact; its notes move to the contact, its mail links by address anyway."""
    json_body()
    try:
        with write_transaction():
            lead = get_in_org(Lead, id, g.org.id, "lead", lock=True)
            if lead.status == "converted":
                raise _converted(lead, "This lead was already converted into a contact.")
            # Mark it converted first: an unconverted lead holds the address, which create_contact refuses.
            Lead.update(status="converted", converted_at=utcnow(), updated_at=utcnow()).where(Lead.id == lead.id).execute()
            company = crm.find_or_create_company(g.org.id, lead.email, lead.company_name)
            contact = crm.create_contact(
                g.org.id,
                lead.name,
                [lead.email],
                title=lead.title,
                company=company,
                # Whoever converts a colleague's lead does not take it: the contact stays the lead's
                # owner's. An unowned lead becomes the converter's contact, as anyone may claim it.
                owner=lead.owner_id or g.user.id,
            )
            Lead.update(converted_contact=contact.id).where(Lead.id == lead.id).execute()
            # The notes follow the person; they stay linked to the lead as well, for its history.
            Note.update(contact=contact.id).where((Note.org == g.org.id) & (Note.lead == lead.id)).execute()
    except crm.AddressTaken as taken:
        raise conflict(matching.normalize_address(lead.email)) from taken
    except IntegrityError:
        raise ApiError(409, "The lead was converted meanwhile; reload it.", existing=None)
    return jsonify({"contact": present_contact(contact), "lead": present_lead(Lead.get_by_id(id))}), 201


_lead_input = {
    "type": "object",
    "properties": {
        "email": {"type": "string", "maxLength": 254, "format": "email"},
        "name": {"type": ["string", "null"], "maxLength": 200},
        "title": {"type": ["string", "null"], "maxLength": 200},
        "company_name": {"type": ["string", "null"], "maxLength": 200, "description": "Guessed from the domain when absent."},
        "status": {"enum": list(EDITABLE_STATUSES)},
        "owner_id": OWNER_ID_SCHEMA,
    },
}
OPENAPI_SCHEMAS = {
    "LeadCreate": {**_lead_input, "required": ["email"]},
    "LeadUpdate": _lead_input,
    "Conflict": {
        "type": "object",
        "required": ["error", "message", "existing"],
        "properties": {
            "error": {"const": "conflict"},
            "message": {"type": "string"},
            "existing": {
                "type": ["object", "null"],
                "description": "Who holds the address: {kind: contact|lead|colleague, record}.",
            },
        },
    },
}
_conflict = {"409": json_response("The address already belongs to a contact, lead or colleague.", ref("Conflict"))}

OPENAPI_PATHS = {
    "/api/v1/leads": {
        "post": {
            "summary": "Create a lead",
            "tags": ["leads"],
            "requestBody": body_schema(ref("LeadCreate")),
            "responses": {"201": json_response("The new lead.", ref("Lead")), **_conflict, **errors(400, 401, 404, 415)},
        },
        "get": {
            "summary": "Search leads by name or address",
            "tags": ["leads"],
            "parameters": [
                query("q", {"type": "string", "maxLength": 200}, "Part of a name or address."),
                query("status", {"enum": list(LEAD_STATUSES)}, "Only leads in this status."),
                *PAGE_PARAMS,
            ],
            "responses": {"200": json_response("A page of leads, newest first.", page_of(ref("Lead"))), **errors(400, 401)},
        },
    },
    "/api/v1/leads/{id}": {
        "get": {
            "summary": "Read a lead",
            "tags": ["leads"],
            "parameters": [path_id()],
            "responses": {"200": json_response("The lead.", ref("Lead")), **errors(401, 404)},
        },
        "patch": {
            "summary": "Update a lead",
            "description": "Anyone in the organisation edits its fields; changing owner_id is for its owner or an "
            "administrator (403 otherwise; anyone may take an unowned lead), recorded in the audit log.",
            "tags": ["leads"],
            "parameters": [path_id()],
            "requestBody": body_schema(ref("LeadUpdate")),
            "responses": {"200": json_response("The updated lead.", ref("Lead")), **_conflict, **errors(400, 401, 403, 404, 415)},
        },
        "delete": {
            "summary": "Delete a lead (its owner or an administrator)",
            "description": "Its notes go, except those it passed to a contact on conversion. Recorded in the audit log.",
            "tags": ["leads"],
            "parameters": [path_id()],
            "responses": {"204": {"description": "Deleted."}, **errors(401, 403, 404)},
        },
    },
    "/api/v1/leads/{id}/convert": {
        "post": {
            "summary": "Convert a lead into a contact",
            "description": "Its notes move to the contact; logged mail links to the contact by address. The contact "
            "keeps the lead's owner (the converter's if the lead had none).",
            "tags": ["leads"],
            "parameters": [path_id()],
            "responses": {
                "201": json_response(
                    "The new contact and the converted lead.",
                    {
                        "type": "object",
                        "required": ["contact", "lead"],
                        "properties": {"contact": ref("Contact"), "lead": ref("Lead")},
                    },
                ),
                **_conflict,
                **errors(401, 404, 415),
            },
        }
    },
}
