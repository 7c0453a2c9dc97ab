"""Contacts: create, search by name or address, read, update, and the timeline of mail, notes and meetings."""

from flask import Blueprint, g, jsonify
from peewee import SQL, IntegrityError, Value

from threadbook.api.leads import conflict
from threadbook.api.openapi import PAGE_PARAMS, errors, json_response, page_of, path_id, query, ref
from threadbook.api.openapi import json_body as body_schema
from threadbook.api.ownership import OWNER_ID_SCHEMA, change_owner, delete_in_org
from threadbook.api.pages import page_args, paginate, search_term
from threadbook.api.params import json_body, string
from threadbook.api.refs import address, address_list, name_field, owner_ref, record_ref
from threadbook.crm import serializers
from threadbook.crm import store as crm
from threadbook.crm.records import address_owner, get_in_org, present_contact, present_contacts
from threadbook.db import write_transaction
from threadbook.errors import ApiError
from threadbook.identity.access import best_copies
from threadbook.models import Company, Contact, ContactAddress, Email, EmailParticipant, Meeting, MeetingAttendee, Note, utcnow

bp = Blueprint("contacts", __name__)


def _emails(body, required):
    """Addresses from ``emails`` (a list) or ``email`` (one), primary first."""
    if "emails" in body:
        return address_list(body, "emails", required=required)
    one = address(body, "email", required=required)
    return [one] if one else None


def _company(body, primary_address):
    """The company from company_id, else company_name, else the address's domain (created when guessable)."""
    if body.get("company_id") is not None:
        return record_ref(body, "company_id", Company, "company")
    name = string(body, "company_name", max_length=200)
    if "company_id" in body and body["company_id"] is None and not name:
        return None
    return crm.find_or_create_company(g.org.id, primary_address, name or None)


def _take_addresses(addresses, own_contact_id=None):
    """Refuse with 409 any address another contact, lead or colleague holds."""
    for _, normalized in addresses:
        holder = address_owner(g.org.id, normalized)
        if holder is None:
            continue
        if holder["kind"] == "contact" and holder["record"]["id"] == own_contact_id:
            continue
        raise conflict(normalized)


@bp.post("/api/v1/contacts")
def create_contact():
    body = json_body()
    addresses = _emails(body, required=True)
    name = name_field(body) or ""
    title = string(body, "title", max_length=200) or None
    phone = string(body, "phone", max_length=50) or None
    owner = owner_ref(body) if body.get("owner_id") is not None else g.user
    try:
        with write_transaction():
            _take_addresses(addresses)
            company = _company(body, addresses[0][0])
            contact = crm.create_contact(
                g.org.id, name, [written for written, _ in addresses], title=title, phone=phone, company=company, owner=owner.id
            )
    except crm.AddressTaken:
        raise conflict(addresses[0][1])
    except IntegrityError:
        raise conflict(addresses[0][1])
    return jsonify(present_contact(contact)), 201


@bp.get("/api/v1/contacts")
def list_contacts():
    query_ = Contact.select().where(Contact.org == g.org.id)
    term = search_term()
    if term:
        by_address = ContactAddress.select(ContactAddress.contact).where(
            (ContactAddress.org == g.org.id) & (ContactAddress.email_normalized.contains(term) | ContactAddress.email.contains(term))
        )
        query_ = query_.where(Contact.name_lower.contains(term) | Contact.id.in_(by_address))
    return jsonify(paginate(query_.order_by(Contact.name_lower, Contact.id), present_contacts))


@bp.get("/api/v1/contacts/<int:id>")
def get_contact(id):
    return jsonify(present_contact(get_in_org(Contact, id, g.org.id, "contact")))


@bp.patch("/api/v1/contacts/<int:id>")
def update_contact(id):
    body = json_body()
    fields = {}
    if "name" in body:
        name = name_field(body) or ""
        fields.update(name=name, name_lower=name.lower())
    if "title" in body:
        fields["title"] = string(body, "title", max_length=200) or None
    if "phone" in body:
        fields["phone"] = string(body, "phone", max_length=50) or None
    if "owner_id" in body:
        owner = owner_ref(body)
        fields["owner"] = owner.id if owner else None
    if "company_id" in body:
        company = record_ref(body, "company_id", Company, "company")
        fields["company"] = company.id if company else None
    addresses = address_list(body, "emails") if "emails" in body else None
    try:
        with write_transaction():
            contact = get_in_org(Contact, id, g.org.id, "contact", lock=True)
            change_owner(contact, fields)
            if addresses is not None:
                _take_addresses(addresses, own_contact_id=contact.id)
                ContactAddress.delete().where(ContactAddress.contact == contact.id).execute()
                for index, (written, normalized) in enumerate(addresses):
                    ContactAddress.create(
                        org=g.org.id, contact=contact.id, email=written, email_normalized=normalized, is_primary=index == 0
                    )
            if fields or addresses is not None:
                fields["updated_at"] = utcnow()
                Contact.update(**fields).where(Contact.id == contact.id).execute()
    except IntegrityError:
        raise ApiError(409, "One of these addresses was taken meanwhile; reload and try again.", existing=None)
    return jsonify(present_contact(Contact.get_by_id(id)))


@bp.delete("/api/v1/contacts/<int:id>")
def delete_contact(id):
    return delete_in_org(Contact, id, crm.delete_contact)


def _timeline_page(contact, page, per_page):
    """Return [(kind, id, at)] for one page of the contact's timeline, newest first."""
    addresses = [a.email_normalized for a in ContactAddress.select().where(ContactAddress.contact == contact.id)]
    org_id = g.org.id
    parts = [
        Note.select(Value("note").alias("kind"), Note.id.alias("item_id"), Note.created_at.alias("at")).where(
            (Note.org == org_id) & (Note.contact == contact.id)
        )
    ]
    if addresses:
        mail = EmailParticipant.select(EmailParticipant.email).where(
            (EmailParticipant.org == org_id) & EmailParticipant.address_normalized.in_(addresses)
        )
        parts.append(
            Email.select(Value("email").alias("kind"), Email.id.alias("item_id"), Email.date.alias("at")).where(
                best_copies(g.user) & Email.id.in_(mail)
            )
        )
        met = MeetingAttendee.select(MeetingAttendee.meeting).where(
            (MeetingAttendee.org == org_id) & MeetingAttendee.address_normalized.in_(addresses)
        )
        parts.append(
            Meeting.select(Value("meeting").alias("kind"), Meeting.id.alias("item_id"), Meeting.start.alias("at")).where(
                (Meeting.org == org_id) & Meeting.id.in_(met)
            )
        )
    union = parts[0]
    for part in parts[1:]:
        union = union.union_all(part)
    rows = union.order_by(SQL("at").desc(), SQL("kind"), SQL("item_id").desc()).offset((page - 1) * per_page).limit(per_page + 1)
    return [(kind, item_id) for kind, item_id, _ in rows.tuples()]


@bp.get("/api/v1/contacts/<int:id>/timeline")
def contact_timeline(id):
    """Mail with any of the contact's addresses, its notes and meetings, newest first."""
    contact = get_in_org(Contact, id, g.org.id, "contact")
    page, per_page = page_args()
    rows = _timeline_page(contact, page, per_page)
    has_more = len(rows) > per_page
    rows = rows[:per_page]
    ids = {"email": [], "note": [], "meeting": []}
    for kind, item_id in rows:
        ids[kind].append(item_id)
    emails = {e.id: e for e in Email.select().where(Email.id.in_(ids["email"]))} if ids["email"] else {}
    notes = {n.id: n for n in Note.select().where(Note.id.in_(ids["note"]))} if ids["note"] else {}
    meetings, attendees = {}, {}
    if ids["meeting"]:
        meetings = {m.id: m for m in Meeting.select().where(Meeting.id.in_(ids["meeting"]))}
        for a in MeetingAttendee.select().where(MeetingAttendee.meeting.in_(ids["meeting"])).order_by(MeetingAttendee.id):
            attendees.setdefault(a.meeting_id, []).append(a)
    users = serializers.load_user_summaries(n.author_id for n in notes.values())
    items = []
    for kind, item_id in rows:
        if kind == "email":
            e = emails[item_id]
            items.append({"kind": "email", "at": serializers.iso(e.date), "email": serializers.email(e, g.user)})
        elif kind == "note":
            n = notes[item_id]
            items.append({"kind": "note", "at": serializers.iso(n.created_at), "note": serializers.note(n, users)})
        else:
            m = meetings[item_id]
            items.append({"kind": "meeting", "at": serializers.iso(m.start), "meeting": serializers.meeting(m, attendees.get(m.id, []))})
    return jsonify({"items": items, "page": page, "per_page": per_page, "has_more": has_more})


_contact_input = {
    "type": "object",
    "properties": {
        "name": {"type": ["string", "null"], "maxLength": 200},
        "emails": {
            "type": "array",
            "minItems": 1,
            "maxItems": 20,
            "items": {"type": "string", "maxLength": 254},
            "description": "Every address of the contact, the primary first.",
        },
        "email": {"type": "string", "maxLength": 254, "description": "One address (instead of emails)."},
        "title": {"type": ["string", "null"], "maxLength": 200},
        "phone": {"type": ["string", "null"], "maxLength": 50},
        "company_id": {"type": ["integer", "null"]},
        "owner_id": OWNER_ID_SCHEMA,
    },
}
OPENAPI_SCHEMAS = {
    "ContactCreate": {
        **_contact_input,
        "properties": {
            **_contact_input["properties"],
            "company_name": {
                "type": ["string", "null"],
                "maxLength": 200,
                "description": "Found or created; without it the company comes from the address's domain.",
            },
        },
        "anyOf": [{"required": ["emails"]}, {"required": ["email"]}],
    },
    "ContactUpdate": {**_contact_input, "properties": {k: v for k, v in _contact_input["properties"].items() if k != "email"}},
    "TimelineItem": {
        "type": "object",
        "required": ["kind", "at"],
        "properties": {
            "kind": {"enum": ["email", "note", "meeting"]},
            "at": {"type": "string", "format": "date-time"},
            "email": ref("Email"),
            "note": ref("Note"),
            "meeting": ref("Meeting"),
        },
    },
}
_conflict = {"409": json_response("An address already belongs to a contact, lead or colleague.", ref("Conflict"))}

OPENAPI_PATHS = {
    "/api/v1/contacts": {
        "post": {
            "summary": "Create a contact",
            "tags": ["contacts"],
            "requestBody": body_schema(ref("ContactCreate")),
            "responses": {"201": json_response("The new contact.", ref("Contact")), **_conflict, **errors(400, 401, 404, 415)},
        },
        "get": {
            "summary": "Search contacts by name or address",
            "tags": ["contacts"],
            "parameters": [query("q", {"type": "string", "maxLength": 200}, "Part of a name or address."), *PAGE_PARAMS],
            "responses": {"200": json_response("A page of contacts by name.", page_of(ref("Contact"))), **errors(400, 401)},
        },
    },
    "/api/v1/contacts/{id}": {
        "get": {
            "summary": "Read a contact",
            "tags": ["contacts"],
            "parameters": [path_id()],
            "responses": {"200": json_response("The contact.", ref("Contact")), **errors(401, 404)},
        },
        "patch": {
            "summary": "Update a contact (emails replaces the whole list)",
            "description": "Anyone in the organisation edits its fields; changing owner_id is for its owner or an "
            "administrator (403 otherwise; anyone may take an unowned contact), recorded in the audit log.",
            "tags": ["contacts"],
            "parameters": [path_id()],
            "requestBody": body_schema(ref("ContactUpdate")),
            "responses": {
                "200": json_response("The updated contact.", ref("Contact")),
                **_conflict,
                **errors(400, 401, 403, 404, 415),
            },
        },
        "delete": {
            "summary": "Delete a contact (its owner or an administrator)",
            "description": "Its addresses and notes go; logged mail stays with the organisation, linked by address, "
            "and deals keep their company. Recorded in the audit log.",
            "tags": ["contacts"],
            "parameters": [path_id()],
            "responses": {"204": {"description": "Deleted."}, **errors(401, 403, 404)},
        },
    },
    "/api/v1/contacts/{id}/timeline": {
        "get": {
            "summary": "Mail, notes and meetings with a contact, newest first",
            "description": "Mail links through any of the contact's addresses, including mail logged before the "
            "contact existed. Each email shows as much as its visibility allows you.",
            "tags": ["contacts"],
            "parameters": [path_id(), *PAGE_PARAMS],
            "responses": {"200": json_response("A page of the timeline.", page_of(ref("TimelineItem"))), **errors(400, 401, 404)},
        }
    },
}
