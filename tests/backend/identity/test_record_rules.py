"""The record rule of identity/access.py on every route: who reassigns and deletes contacts, leads, companies, deals, notes and meetings.

Anyone in the organisation creates records and edits their shared fields;
changing the owner and deleting belong to the owner or an administrator (a
member may take an unowned record for themselves); a note is the author's, a
meeting its owner's. Each refusal is a 403 that changes nothing and writes no
audit entry; each allowed reassignment or deletion writes exactly one.
"""

import dataclasses
import datetime

import pytest

from threadbook.models import AuditLog, Company, Contact, Deal, Lead, Meeting, Note


@dataclasses.dataclass(frozen=True)
class Kind:
    name: str
    model: type
    create: dict  # a POST body
    shared: dict  # an edit of a shared field anyone may make
    column: str  # the column that edit changes

    @property
    def path(self):
        return "/api/v1/companies" if self.name == "company" else f"/api/v1/{self.name}s"


CONTACT = Kind("contact", Contact, {"name": "Ada", "emails": ["ada@acme.example"]}, {"title": "CTO"}, "title")
LEAD = Kind("lead", Lead, {"name": "Kat", "email": "kat@nasa.example"}, {"title": "Head of research"}, "title")
COMPANY = Kind("company", Company, {"name": "Acme", "domains": ["acme.example"]}, {"name": "Acme Corp"}, "name")
DEAL = Kind("deal", Deal, {"name": "Pilot"}, {"stage": "proposal"}, "stage")
NOTE = Kind("note", Note, {"body": "Waiting for legal", "thread_id": "18c2a0f5b7e40001"}, {}, "body")

OWNED = [CONTACT, LEAD, COMPANY, DEAL]  # records with an owner that can be reassigned
DELETABLE = [*OWNED, NOTE]
owned = pytest.mark.parametrize("kind", OWNED, ids=lambda k: k.name)
deletable = pytest.mark.parametrize("kind", DELETABLE, ids=lambda k: k.name)
RECORD_KINDS = ("contact", "lead", "company", "deal", "note", "meeting")


@pytest.fixture
def team(team, factory):
    """The shared team, and an administrator of another organisation."""
    return {**team, "stranger": factory.user(factory.org(domain="them.example"), email="boss@them.example", role="admin")}


@pytest.fixture
def call(client, factory):
    def as_user(user, method, path, **kwargs):
        return getattr(client, method)(path, headers=factory.headers(user), **kwargs)

    return as_user


@pytest.fixture
def make(call, team, db):
    """Create a record of a kind through the API as ``by`` (its owner or author), or unowned."""

    def record_of(kind, by="rep", unowned=False):
        response = call(team[by], "post", kind.path, json=kind.create)
        assert response.status_code == 201, response.get_json()
        record = kind.model.get_by_id(response.get_json()["id"])
        if unowned:
            kind.model.update(owner=None).where(kind.model.id == record.id).execute()
            record = kind.model.get_by_id(record.id)
        return record

    return record_of


def row(record):
    """The record as the database holds it now, None once deleted."""
    found = type(record).get_or_none(type(record).id == record.id)
    return found.__data__ if found else None


def record_audit():
    """The audit entries about records (sign-ins and the like left out)."""
    return [e for e in AuditLog.select().order_by(AuditLog.id) if e.action.split(".")[0] in RECORD_KINDS]


# ---------------------------------------------------------------- refused: nothing changes, nothing is recorded


@owned
@pytest.mark.parametrize("to", ["colleague", "admin", None])
def test_a_member_cannot_give_a_colleagues_record_to_anyone(kind, to, call, make, team):
    record = make(kind, by="rep")
    before = row(record)
    owner_id = team[to].id if to else None

    response = call(team["colleague"], "patch", f"{kind.path}/{record.id}", json={"owner_id": owner_id, **kind.shared})

    assert response.status_code == 403
    assert response.get_json() == {
        "error": "forbidden",
        "message": f"Only the {kind.name}'s owner or an administrator can change its owner.",
    }
    assert row(record) == before  # neither the owner nor the shared field the same request carried
    assert record_audit() == []


@deletable
def test_a_member_cannot_delete_a_colleagues_record(kind, call, make, team):
    record = make(kind, by="rep")
    before = row(record)

    response = call(team["colleague"], "delete", f"{kind.path}/{record.id}")

    assert response.status_code == 403
    who = "author" if kind is NOTE else "owner"
    assert response.get_json()["message"] == f"Only the {kind.name}'s {who} or an administrator can delete it."
    assert row(record) == before
    assert record_audit() == []


@deletable
def test_a_member_cannot_delete_an_unowned_record(kind, call, make, team):
    record = make(kind, by="rep")
    type(record).update(**{"author" if kind is NOTE else "owner": None}).where(type(record).id == record.id).execute()

    assert call(team["colleague"], "delete", f"{kind.path}/{record.id}").status_code == 403
    assert row(record) is not None and record_audit() == []


# ---------------------------------------------------------------- allowed: exactly one audit entry


@owned
@pytest.mark.parametrize("actor", ["rep", "admin"])  # the owner, an administrator
def test_the_owner_or_an_admin_reassigns_a_record_and_it_is_audited(kind, actor, call, make, team):
    record = make(kind, by="rep")

    response = call(team[actor], "patch", f"{kind.path}/{record.id}", json={"owner_id": team["colleague"].id})

    assert response.status_code == 200
    assert response.get_json()["owner"]["id"] == team["colleague"].id
    assert kind.model.get_by_id(record.id).owner_id == team["colleague"].id
    [entry] = record_audit()
    assert (entry.action, entry.user_id, entry.org_id) == (f"{kind.name}.reassigned", team[actor].id, team["org"].id)
    assert entry.detail == {f"{kind.name}_id": record.id, "from_owner_id": team["rep"].id, "to_owner_id": team["colleague"].id}
    assert entry.created_at is not None


@owned
def test_the_owner_may_leave_a_record_unowned(kind, call, make, team):
    record = make(kind, by="rep")

    assert call(team["rep"], "patch", f"{kind.path}/{record.id}", json={"owner_id": None}).status_code == 200

    assert kind.model.get_by_id(record.id).owner_id is None
    [entry] = record_audit()
    assert entry.detail == {f"{kind.name}_id": record.id, "from_owner_id": team["rep"].id, "to_owner_id": None}


@deletable
@pytest.mark.parametrize("actor", ["rep", "admin"])  # the owner (author), an administrator
def test_the_owner_or_an_admin_deletes_a_record_and_it_is_audited(kind, actor, call, make, team):
    record = make(kind, by="rep")

    response = call(team[actor], "delete", f"{kind.path}/{record.id}")

    assert response.status_code == 204
    assert row(record) is None
    [entry] = record_audit()
    assert (entry.action, entry.user_id, entry.org_id) == (f"{kind.name}.deleted", team[actor].id, team["org"].id)
    assert entry.detail[f"{kind.name}_id"] == record.id
    assert entry.created_at is not None


def test_a_note_s_audit_entry_says_whose_it_was_but_not_what_it_said(call, make, team):
    note = make(NOTE, by="rep")

    assert call(team["admin"], "delete", f"/api/v1/notes/{note.id}").status_code == 204

    [entry] = record_audit()
    assert entry.detail == {"note_id": note.id, "author_id": team["rep"].id, "contact_id": None, "lead_id": None, "thread_id": note.gmail_thread_id}


def test_deleting_a_company_keeps_its_contacts_and_deals(call, make, team):
    company = make(COMPANY, by="rep")
    contact = make(CONTACT, by="rep")  # ada@acme.example: Acme's by its domain
    deal = call(team["rep"], "post", "/api/v1/deals", json={"name": "Pilot", "company_id": company.id}).get_json()
    assert contact.company_id == company.id

    assert call(team["rep"], "delete", f"/api/v1/companies/{company.id}").status_code == 204

    assert Contact.get_by_id(contact.id).company_id is None
    assert Deal.get_by_id(deal["id"]).company_id is None
    assert [e.detail for e in record_audit()] == [{"company_id": company.id, "name": "Acme", "domains": ["acme.example"]}]
    # The domain is free again.
    assert call(team["rep"], "post", "/api/v1/companies", json=COMPANY.create).status_code == 201


# ---------------------------------------------------------------- unowned records and shared fields


@owned
def test_a_member_may_claim_an_unowned_record_for_themselves(kind, call, make, team):
    record = make(kind, by="rep", unowned=True)

    response = call(team["colleague"], "patch", f"{kind.path}/{record.id}", json={"owner_id": team["colleague"].id})

    assert response.status_code == 200
    assert kind.model.get_by_id(record.id).owner_id == team["colleague"].id
    [entry] = record_audit()
    assert (entry.action, entry.user_id) == (f"{kind.name}.reassigned", team["colleague"].id)
    assert entry.detail == {f"{kind.name}_id": record.id, "from_owner_id": None, "to_owner_id": team["colleague"].id}


@owned
def test_a_member_may_not_give_an_unowned_record_to_someone_else(kind, call, make, team):
    record = make(kind, by="rep", unowned=True)

    response = call(team["colleague"], "patch", f"{kind.path}/{record.id}", json={"owner_id": team["rep"].id})

    assert response.status_code == 403
    assert "you may take it for yourself" in response.get_json()["message"]
    assert kind.model.get_by_id(record.id).owner_id is None
    assert record_audit() == []


@owned
@pytest.mark.parametrize("same_owner", [False, True], ids=["shared-field", "shared-field-and-unchanged-owner"])
def test_a_member_edits_shared_fields_of_a_colleagues_record(kind, same_owner, call, make, team):
    record = make(kind, by="rep")
    body = {**kind.shared, **({"owner_id": team["rep"].id} if same_owner else {})}  # a client may echo the owner back

    response = call(team["colleague"], "patch", f"{kind.path}/{record.id}", json=body)

    assert response.status_code == 200
    stored = kind.model.get_by_id(record.id)
    assert getattr(stored, kind.column) == next(iter(kind.shared.values()))
    assert stored.owner_id == team["rep"].id
    assert record_audit() == []


def test_converting_a_colleagues_lead_leaves_the_contact_with_the_lead_s_owner(call, make, team):
    lead = make(LEAD, by="rep")

    response = call(team["colleague"], "post", f"/api/v1/leads/{lead.id}/convert")

    assert response.status_code == 201
    assert Contact.get_by_id(response.get_json()["contact"]["id"]).owner_id == team["rep"].id
    assert record_audit() == []


def test_converting_an_unowned_lead_makes_the_converter_its_contact_s_owner(call, make, team):
    lead = make(LEAD, by="rep", unowned=True)

    response = call(team["colleague"], "post", f"/api/v1/leads/{lead.id}/convert")

    assert Contact.get_by_id(response.get_json()["contact"]["id"]).owner_id == team["colleague"].id


# ---------------------------------------------------------------- another organisation: 404 on every write


WRITES = [(kind, write) for kind in OWNED for write in ("edit", "reassign")] + [(kind, "delete") for kind in DELETABLE]


@pytest.mark.parametrize("kind, write", WRITES, ids=[f"{k.name}-{w}" for k, w in WRITES])
def test_another_organisation_gets_404_on_every_write(kind, write, call, make, team):
    record = make(kind, by="rep")
    before = row(record)
    stranger = team["stranger"]
    if write == "delete":
        response = call(stranger, "delete", f"{kind.path}/{record.id}")
    else:
        body = kind.shared if write == "edit" else {"owner_id": stranger.id}
        response = call(stranger, "patch", f"{kind.path}/{record.id}", json=body)

    assert response.status_code == 404
    assert row(record) == before
    assert record_audit() == []


# ---------------------------------------------------------------- meetings: their owner's alone


@pytest.fixture
def meeting(team, db):
    """A meeting of the rep's booked in the CRM only (no Google event, so no calendar is needed)."""
    start = datetime.datetime(2026, 3, 2, 10, 0)
    return Meeting.create(org=team["org"], owner=team["rep"], title="Kick-off", start=start, end=start + datetime.timedelta(hours=1))


@pytest.mark.parametrize("actor", ["colleague", "admin"])
def test_only_the_owner_changes_or_cancels_a_meeting(actor, call, team, meeting):
    before = row(meeting)

    changed = call(team[actor], "patch", f"/api/v1/meetings/{meeting.id}", json={"title": "Mine now"})
    cancelled = call(team[actor], "delete", f"/api/v1/meetings/{meeting.id}")

    assert (changed.status_code, cancelled.status_code) == (403, 403)
    assert cancelled.get_json()["message"] == "Only the meeting's owner can change it: it lives in their calendar."
    assert row(meeting) == before
    assert record_audit() == []


def test_the_owner_cancels_a_meeting_once_and_it_is_audited_once(call, team, meeting):
    first = call(team["rep"], "delete", f"/api/v1/meetings/{meeting.id}")
    again = call(team["rep"], "delete", f"/api/v1/meetings/{meeting.id}")

    assert (first.status_code, again.status_code) == (200, 200)
    assert Meeting.get_by_id(meeting.id).status == "cancelled"
    [entry] = record_audit()
    assert (entry.action, entry.user_id) == ("meeting.cancelled", team["rep"].id)
    assert entry.detail == {"meeting_id": meeting.id, "title": "Kick-off"}


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_another_organisation_gets_404_for_a_meeting(method, call, team, meeting):
    before = row(meeting)

    response = call(team["stranger"], method, f"/api/v1/meetings/{meeting.id}", json={"title": "Ours"})

    assert response.status_code == 404
    assert row(meeting) == before
    assert record_audit() == []
