"""POST /api/v1/lookup: every kind of participant, in the order asked, with record, company, deals, notes."""

import datetime

import pytest

from threadbook.crm import store as crm
from threadbook.mail.store import store_gmail_messages
from threadbook.models import Deal, Lead, Note

from ...fakes.gmail_store import FakeMailbox


@pytest.fixture
def crm_data(factory, db):
    """An organisation with a caller, a colleague, a company with a contact, a deal, notes, and a lead."""
    org = factory.org(domain="us.example")
    me = factory.user(org, email="me@us.example", name="Me Myself")
    colleague = factory.user(org, email="Colleague@us.example", name="Col League")
    acme = crm.create_company(org.id, "Acme Widgets", ["acme.example"])
    ada = crm.create_contact(org.id, "Ada Lovelace", ["ada@acme.example", "ada.lovelace@gmail.com"], title="CTO", company=acme, owner=me)
    Deal.create(org=org, name="Platform", company=acme, contact=ada, stage="negotiation", amount="48000", close_date=datetime.date(2026, 3, 1))
    Deal.create(org=org, name="Lost one", company=acme, contact=ada, status="lost")
    Deal.create(org=org, name="Acme expansion", company=acme, stage="proposal", amount="5000")
    for n in range(5):
        Note.create(org=org, author=colleague, contact=ada, body=f"note {n}", created_at=datetime.datetime(2026, 1, 1 + n))
    kat = Lead.create(org=org, name="Katherine Johnson", email="katherine@nasa.example", email_normalized="katherine@nasa.example")
    Note.create(org=org, author=me, lead=kat, body="Met at the conference")
    return {"org": org, "me": me, "colleague": colleague, "acme": acme, "ada": ada, "kat": kat}


def lookup(client, factory, user, participants, thread_id=None):
    body = {"participants": participants}
    if thread_id is not None:
        body["thread_id"] = thread_id
    response = client.post("/api/v1/lookup", json=body, headers=factory.headers(user))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_every_kind_in_the_order_asked(client, factory, crm_data):
    asked = [
        {"email": "unknown.person@initech.example", "name": "Peter Gibbons"},
        {"email": "ADA@acme.example"},
        {"email": "me@us.example"},
        {"email": "katherine@nasa.example"},
        {"email": "colleague@US.example"},
        {"email": "not an address"},
        {"email": "Ada@Acme.Example"},
        {"email": "nul\x00byte@acme.example"},
        {"email": ""},
    ]
    result = lookup(client, factory, crm_data["me"], asked)["participants"]

    assert [p["kind"] for p in result] == ["unknown", "contact", "self", "lead", "colleague", None, None, None, None]
    assert [p["email"] for p in result] == [a["email"] for a in asked]
    assert result[5]["error"]["code"] == "invalid_address"
    assert result[6]["error"]["code"] == "duplicate"
    assert [p["error"]["code"] for p in result[7:]] == ["invalid_address", "invalid_address"]
    assert "participant 1" in result[6]["error"]["message"]
    assert all("error" not in p for p in result[:5])


def test_a_contact_comes_with_company_open_deals_and_latest_notes(client, factory, crm_data):
    [ada] = lookup(client, factory, crm_data["me"], [{"email": "Ada Lovelace <ada@acme.example>"}])["participants"]

    assert ada["kind"] == "contact"
    assert ada["name"] == "Ada Lovelace"
    assert ada["record"]["id"] == crm_data["ada"].id
    assert ada["record"]["title"] == "CTO"
    assert ada["record"]["emails"] == [
        {"email": "ada@acme.example", "primary": True},
        {"email": "ada.lovelace@gmail.com", "primary": False},
    ]
    assert ada["record"]["owner"]["email"] == "me@us.example"
    assert ada["company"] == {"id": crm_data["acme"].id, "name": "Acme Widgets", "industry": None}
    # Open deals only: the contact's, then the company's; dated ones first.
    assert [(d["name"], d["stage"], d["amount"]) for d in ada["deals"]] == [
        ("Platform", "negotiation", "48000.00"),
        ("Acme expansion", "proposal", "5000.00"),
    ]
    assert [n["body"] for n in ada["notes"]] == ["note 4", "note 3", "note 2"]
    assert ada["notes"][0]["author"]["name"] == "Col League"
    assert ada["last_logged_at"] is None
    assert "prefill" not in ada


def test_gmail_dots_and_tags_find_the_same_contact(client, factory, crm_data):
    [ada] = lookup(client, factory, crm_data["me"], [{"email": "Ada.Love.lace+crm@googlemail.com"}])["participants"]
    assert ada["kind"] == "contact"
    assert ada["record"]["id"] == crm_data["ada"].id
    assert ada["email"] == "Ada.Love.lace+crm@googlemail.com"  # kept as written, for display


def test_a_lead_comes_with_its_notes(client, factory, crm_data):
    [kat] = lookup(client, factory, crm_data["me"], [{"email": "katherine@nasa.example"}])["participants"]
    assert kat["kind"] == "lead"
    assert kat["record"]["id"] == crm_data["kat"].id
    assert kat["record"]["status"] == "new"
    assert [n["body"] for n in kat["notes"]] == ["Met at the conference"]
    assert kat["company"] is None and kat["deals"] == []


def test_colleagues_and_self_are_users_not_offered_as_leads(client, factory, crm_data):
    me, colleague = lookup(client, factory, crm_data["me"], [{"email": "me@us.example"}, {"email": "colleague@us.example"}])["participants"]
    assert me["kind"] == "self" and me["record"] == {"id": crm_data["me"].id, "name": "Me Myself", "email": "me@us.example", "role": "member"}
    assert colleague["kind"] == "colleague" and colleague["record"]["id"] == crm_data["colleague"].id
    assert "prefill" not in me and "prefill" not in colleague


def test_an_unknown_participant_at_a_known_company_gets_the_company_and_a_prefill(client, factory, crm_data):
    [bob] = lookup(client, factory, crm_data["me"], [{"email": "bob@sales.acme.example", "name": "Bob Smith"}])["participants"]
    assert bob["kind"] == "unknown" and bob["record"] is None
    assert bob["company"]["name"] == "Acme Widgets"
    assert [d["name"] for d in bob["deals"]] == ["Platform", "Acme expansion"]
    assert bob["prefill"] == {"name": "Bob Smith", "email": "bob@sales.acme.example", "company_name": "Acme Widgets"}


@pytest.mark.parametrize(
    "address, company_name",
    [
        ("peter@initech-systems.co.uk", "Initech Systems"),
        ("peter@gmail.com", None),  # free mail names no company
        ("peter@mailinator.com", None),  # nor does disposable mail
    ],
)
def test_the_prefill_guesses_a_company_from_the_domain_unless_free_mail(client, factory, crm_data, address, company_name):
    [peter] = lookup(client, factory, crm_data["me"], [{"email": f"Peter Gibbons <{address}>"}])["participants"]
    assert peter["prefill"] == {"name": "Peter Gibbons", "email": address, "company_name": company_name}
    assert peter["company"] is None


def test_another_organisations_records_are_unknown(client, factory, crm_data):
    other = factory.org(domain="other.example")
    stranger = factory.user(other, email="stranger@other.example")
    result = lookup(client, factory, stranger, [{"email": "ada@acme.example"}, {"email": "me@us.example"}])["participants"]
    assert [p["kind"] for p in result] == ["unknown", "unknown"]
    assert all(p["company"] is None and p["deals"] == [] and p["notes"] == [] for p in result)


def test_a_converted_lead_is_found_as_its_contact(client, factory, crm_data):
    kat = crm_data["kat"]
    response = client.post(f"/api/v1/leads/{kat.id}/convert", headers=factory.headers(crm_data["me"]))
    assert response.status_code == 201
    [found] = lookup(client, factory, crm_data["me"], [{"email": "katherine@nasa.example"}])["participants"]
    assert found["kind"] == "contact"
    assert found["record"]["id"] == response.get_json()["contact"]["id"]
    assert [n["body"] for n in found["notes"]] == ["Met at the conference"]


def _log(org, owner, mailbox, visibility, **message):
    store_gmail_messages(org, owner, owner, [mailbox.add_message(**message)], visibility=visibility)


def test_last_logged_at_and_thread_state_respect_visibility(client, factory, crm_data):
    org, me, colleague = crm_data["org"], crm_data["me"], crm_data["colleague"]
    box = FakeMailbox("colleague@us.example")
    early = datetime.datetime(2026, 1, 2, tzinfo=datetime.UTC)
    late = datetime.datetime(2026, 2, 3, tzinfo=datetime.UTC)
    _log(org, colleague, box, "team_metadata", sender="ada.lovelace@gmail.com", to=["colleague@us.example"], date=early)
    _log(org, colleague, box, "private", sender="ada@acme.example", to=["colleague@us.example"], date=late)
    shared_thread = next(iter(box.threads))
    private_thread = list(box.threads)[1]

    [for_me] = lookup(client, factory, me, [{"email": "ada@acme.example"}])["participants"]
    [for_colleague] = lookup(client, factory, colleague, [{"email": "ada@acme.example"}])["participants"]

    # Through any of Ada's addresses; the private email only counts for its owner.
    assert for_me["last_logged_at"] == "2026-01-02T00:00:00Z"
    assert for_colleague["last_logged_at"] == "2026-02-03T00:00:00Z"
    # Gmail thread ids are per mailbox: a colleague's thread id names nothing of mine, shared or not.
    for thread_id in (shared_thread, private_thread):
        assert lookup(client, factory, me, [], thread_id=thread_id)["thread"] == {
            "logged": False,
            "email_ids": [],
            "emails": [],
            "private": False,
            "visibility": org.default_visibility,
            "notes": [],
            "filtered": None,
        }
    theirs = lookup(client, factory, colleague, [], thread_id=private_thread)["thread"]
    assert theirs["logged"] is True and len(theirs["email_ids"]) == 1
    assert [(e["visibility"], e["can_change_visibility"], e["redacted"]) for e in theirs["emails"]] == [("private", True, False)]


def test_the_thread_section_carries_its_notes(client, factory, crm_data):
    me = crm_data["me"]
    response = client.post("/api/v1/notes", json={"body": "Call back Monday", "thread_id": "18C2A0F5B7E40001"}, headers=factory.headers(me))
    assert response.status_code == 201
    thread = lookup(client, factory, me, [], thread_id="18c2a0f5b7e40001")["thread"]
    assert thread["logged"] is False
    assert [n["body"] for n in thread["notes"]] == ["Call back Monday"]


def test_fifty_participants_are_answered_in_one_call(client, factory, crm_data):
    asked = [{"email": f"person{n}@initech.example"} for n in range(49)] + [{"email": "ada@acme.example"}]
    result = lookup(client, factory, crm_data["me"], asked)["participants"]
    assert len(result) == 50 and result[-1]["kind"] == "contact"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"participants": "ada@acme.example"},
        {"participants": [{"email": f"p{n}@x.example"} for n in range(51)]},
        {"participants": ["ada@acme.example"]},
        {"participants": [{"name": "No address"}]},
        {"participants": [{"email": 42}]},
        {"participants": [{"email": "ada@acme.example", "name": ["Ada"]}]},
        {"participants": [], "thread_id": "FMfcgzQXJWDsKmpP"},
        {"participants": [], "thread_id": 12},
    ],
)
def test_malformed_requests_are_400(client, factory, crm_data, body):
    response = client.post("/api/v1/lookup", json=body, headers=factory.headers(crm_data["me"]))
    assert response.status_code == 400
    assert response.get_json()["message"]


def test_lookup_needs_a_session(client):
    assert client.post("/api/v1/lookup", json={"participants": []}).status_code == 401
