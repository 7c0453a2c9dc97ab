"""Deleting contacts and leads: owner or admin only, audited, and no logged mail or shared note lost."""

import datetime

import pytest

from threadbook.mail.store import store_gmail_messages
from threadbook.models import AuditLog, Contact, ContactAddress, Deal, Email, Lead, Note

from ...fakes.gmail_store import FakeMailbox

UTC = datetime.UTC


@pytest.fixture
def call(client, factory):
    def as_user(user, method, path, **kwargs):
        return getattr(client, method)(path, headers=factory.headers(user), **kwargs)

    return as_user


def log_mail_from(user, sender, subject):
    resource = FakeMailbox(user.email).add_message(sender=sender, to=[user.email], subject=subject, date=datetime.datetime(2026, 1, 2, 12, tzinfo=UTC))
    created, _ = store_gmail_messages(user.org, user, user, [resource], visibility="team_full")
    return created[0]


def test_the_owner_deletes_a_contact_and_its_mail_stays_for_whoever_holds_the_address_next(call, team, db):
    rep = team["rep"]
    ada = call(rep, "post", "/api/v1/contacts", json={"name": "Ada", "emails": ["ada@acme.example"]}).get_json()
    email = log_mail_from(rep, "ada@acme.example", "Proposal")
    call(rep, "post", "/api/v1/notes", json={"body": "Likes the proposal", "contact_id": ada["id"]})
    deal = call(rep, "post", "/api/v1/deals", json={"name": "Acme pilot", "contact_id": ada["id"], "company_id": ada["company"]["id"]}).get_json()

    assert call(rep, "delete", f"/api/v1/contacts/{ada['id']}").status_code == 204

    assert call(rep, "get", f"/api/v1/contacts/{ada['id']}").status_code == 404
    assert call(rep, "delete", f"/api/v1/contacts/{ada['id']}").status_code == 404
    assert ContactAddress.select().where(ContactAddress.contact == ada["id"]).count() == 0
    assert Note.select().where(Note.org == team["org"].id).count() == 0
    kept_deal = Deal.get_by_id(deal["id"])
    assert kept_deal.contact_id is None and kept_deal.company_id == ada["company"]["id"]
    assert Email.get_or_none(Email.id == email.id) is not None
    [entry] = AuditLog.select().where(AuditLog.action == "contact.deleted")
    assert entry.user_id == rep.id and entry.detail["emails"] == ["ada@acme.example"] and entry.detail["contact_id"] == ada["id"]

    # The address is free again: unknown in the panel, and a new contact for it sees the earlier mail.
    lookup = call(rep, "post", "/api/v1/lookup", json={"participants": [{"email": "ada@acme.example"}]}).get_json()
    assert lookup["participants"][0]["kind"] == "unknown"
    again = call(rep, "post", "/api/v1/contacts", json={"name": "Ada L.", "emails": ["ada@acme.example"]})
    assert again.status_code == 201
    timeline = call(rep, "get", f"/api/v1/contacts/{again.get_json()['id']}/timeline").get_json()["items"]
    assert [item["email"]["subject"] for item in timeline if item["kind"] == "email"] == ["Proposal"]


def test_only_the_owner_or_an_admin_may_delete_a_contact(call, team, db):
    ada = call(team["rep"], "post", "/api/v1/contacts", json={"name": "Ada", "emails": ["ada@acme.example"]}).get_json()

    refused = call(team["colleague"], "delete", f"/api/v1/contacts/{ada['id']}")
    assert refused.status_code == 403
    assert refused.get_json() == {"error": "forbidden", "message": "Only the contact's owner or an administrator can delete it."}
    assert Contact.get_or_none(Contact.id == ada["id"]) is not None

    assert call(team["admin"], "delete", f"/api/v1/contacts/{ada['id']}").status_code == 204
    assert Contact.get_or_none(Contact.id == ada["id"]) is None


def test_another_organisation_cannot_delete_or_learn_of_a_contact(call, factory, team, db):
    ada = call(team["rep"], "post", "/api/v1/contacts", json={"name": "Ada", "emails": ["ada@acme.example"]}).get_json()
    stranger = factory.user(factory.org(domain="them.example"), email="admin@them.example", role="admin")

    response = call(stranger, "delete", f"/api/v1/contacts/{ada['id']}")

    assert response.status_code == 404
    assert Contact.get_or_none(Contact.id == ada["id"]) is not None


def test_the_owner_deletes_a_lead_and_an_admin_may_too(call, team, db):
    rep = team["rep"]
    kat = call(rep, "post", "/api/v1/leads", json={"email": "kat@nasa.example", "name": "Kat"}).get_json()
    bob = call(rep, "post", "/api/v1/leads", json={"email": "bob@nasa.example", "name": "Bob"}).get_json()
    call(rep, "post", "/api/v1/notes", json={"body": "Met at the fair", "lead_id": kat["id"]})

    assert call(team["colleague"], "delete", f"/api/v1/leads/{kat['id']}").status_code == 403
    assert call(rep, "delete", f"/api/v1/leads/{kat['id']}").status_code == 204
    assert call(team["admin"], "delete", f"/api/v1/leads/{bob['id']}").status_code == 204

    assert Lead.select().where(Lead.org == team["org"].id).count() == 0
    assert Note.select().where(Note.org == team["org"].id).count() == 0
    assert AuditLog.select().where(AuditLog.action == "lead.deleted").count() == 2
    # The address can be a lead again.
    assert call(rep, "post", "/api/v1/leads", json={"email": "kat@nasa.example"}).status_code == 201


def test_deleting_a_converted_lead_keeps_the_notes_it_passed_to_its_contact(call, team, db):
    rep = team["rep"]
    kat = call(rep, "post", "/api/v1/leads", json={"email": "kat@nasa.example", "name": "Kat"}).get_json()
    call(rep, "post", "/api/v1/notes", json={"body": "Met at the fair", "lead_id": kat["id"]})
    contact = call(rep, "post", f"/api/v1/leads/{kat['id']}/convert").get_json()["contact"]

    assert call(rep, "delete", f"/api/v1/leads/{kat['id']}").status_code == 204

    notes = call(rep, "get", f"/api/v1/notes?contact_id={contact['id']}").get_json()["items"]
    assert [n["body"] for n in notes] == ["Met at the fair"]


def test_deleting_the_contact_of_a_converted_lead_keeps_the_lead_s_history(call, team, db):
    rep = team["rep"]
    kat = call(rep, "post", "/api/v1/leads", json={"email": "kat@nasa.example", "name": "Kat"}).get_json()
    call(rep, "post", "/api/v1/notes", json={"body": "Met at the fair", "lead_id": kat["id"]})
    contact = call(rep, "post", f"/api/v1/leads/{kat['id']}/convert").get_json()["contact"]

    assert call(rep, "delete", f"/api/v1/contacts/{contact['id']}").status_code == 204

    lead = call(rep, "get", f"/api/v1/leads/{kat['id']}").get_json()
    assert lead["status"] == "converted"
    notes = call(rep, "get", f"/api/v1/notes?lead_id={kat['id']}").get_json()["items"]
    assert [n["body"] for n in notes] == ["Met at the fair"]
