"""Leads over HTTP: create (409 when taken), search, read, update, convert with history."""

import pytest

from threadbook.mail.store import store_gmail_messages
from threadbook.models import Contact, ContactAddress, Deal, Lead, Note

from ...fakes.gmail_store import FakeMailbox


@pytest.fixture
def rep(factory):
    org = factory.org(domain="us.example")
    return factory.user(org, email="rep@us.example", name="Rep")


@pytest.fixture
def api(client, factory, rep):
    """Call the API as the rep: api("post", "/api/v1/leads", json=...)."""

    def call(method, path, **kwargs):
        return getattr(client, method)(path, headers=factory.headers(rep), **kwargs)

    return call


def test_create_a_lead_with_a_guessed_company(api, rep):
    response = api("post", "/api/v1/leads", json={"email": "Peter@Initech-Systems.co.uk", "name": "Peter Gibbons", "title": "Engineer"})
    assert response.status_code == 201
    lead = response.get_json()
    assert lead["email"] == "Peter@Initech-Systems.co.uk"
    assert lead["name"] == "Peter Gibbons" and lead["title"] == "Engineer"
    assert lead["company_name"] == "Initech Systems"
    assert lead["status"] == "new"
    assert lead["owner"] == {"id": rep.id, "name": "Rep", "email": "rep@us.example"}
    assert api("get", f"/api/v1/leads/{lead['id']}").get_json() == lead


def test_a_free_mail_lead_gets_no_company(api):
    assert api("post", "/api/v1/leads", json={"email": "peter@gmail.com"}).get_json()["company_name"] is None


def test_an_address_already_a_lead_is_409_with_the_lead(api):
    first = api("post", "/api/v1/leads", json={"email": "peter.gibbons@gmail.com"}).get_json()
    response = api("post", "/api/v1/leads", json={"email": "PeterGibbons+work@googlemail.com"})
    assert response.status_code == 409
    assert response.get_json()["existing"] == {"kind": "lead", "record": first}


def test_an_address_already_a_contact_is_409_with_the_contact(api):
    contact = api("post", "/api/v1/contacts", json={"name": "Ada", "emails": ["ada@acme.example"]}).get_json()
    response = api("post", "/api/v1/leads", json={"email": "ADA@acme.example"})
    assert response.status_code == 409
    assert response.get_json()["existing"]["kind"] == "contact"
    assert response.get_json()["existing"]["record"]["id"] == contact["id"]


def test_a_colleague_cannot_become_a_lead(api, factory, rep):
    factory.user(rep.org, email="col@us.example")
    response = api("post", "/api/v1/leads", json={"email": "col@us.example"})
    assert response.status_code == 409
    assert response.get_json()["existing"]["kind"] == "colleague"


def test_the_same_address_in_another_organisation_is_free(api, client, factory):
    api("post", "/api/v1/leads", json={"email": "peter@initech.example"})
    stranger = factory.user(factory.org(domain="other.example"))
    response = client.post("/api/v1/leads", json={"email": "peter@initech.example"}, headers=factory.headers(stranger))
    assert response.status_code == 201


@pytest.mark.parametrize(
    "body",
    [{}, {"email": ""}, {"email": "not-an-address"}, {"email": 7}, {"email": "a@b.example", "status": "converted"}, {"email": "a@b.example", "owner_id": "me"}],
)
def test_bad_leads_are_400(api, body):
    response = api("post", "/api/v1/leads", json=body)
    assert response.status_code == 400
    assert response.get_json()["message"]


def test_an_owner_from_another_organisation_is_404(api, factory):
    stranger = factory.user(factory.org(domain="other.example"))
    assert api("post", "/api/v1/leads", json={"email": "a@b.example", "owner_id": stranger.id}).status_code == 404


def test_search_by_name_or_address_paginated(api):
    for n in range(5):
        api("post", "/api/v1/leads", json={"email": f"person{n}@initech.example", "name": f"Person {n}"})
    api("post", "/api/v1/leads", json={"email": "milton@initech.example", "name": "Milton Waddams"})

    assert [lead["name"] for lead in api("get", "/api/v1/leads?q=milton").get_json()["items"]] == ["Milton Waddams"]
    assert [lead["name"] for lead in api("get", "/api/v1/leads?q=PERSON3@").get_json()["items"]] == ["Person 3"]
    assert api("get", "/api/v1/leads?q=100%25").get_json()["items"] == []  # % is a character, not a wildcard
    page1 = api("get", "/api/v1/leads?per_page=4").get_json()
    page2 = api("get", "/api/v1/leads?per_page=4&page=2").get_json()
    assert len(page1["items"]) == 4 and page1["has_more"] is True
    assert len(page2["items"]) == 2 and page2["has_more"] is False
    assert api("get", "/api/v1/leads?per_page=0").status_code == 400


def test_update_a_lead(api):
    lead = api("post", "/api/v1/leads", json={"email": "peter@initech.example"}).get_json()
    response = api("patch", f"/api/v1/leads/{lead['id']}", json={"name": "Peter G", "status": "qualified", "company_name": None})
    assert response.status_code == 200
    updated = response.get_json()
    assert (updated["name"], updated["status"], updated["company_name"]) == ("Peter G", "qualified", None)


def test_changing_a_leads_address_to_a_taken_one_is_409(api):
    api("post", "/api/v1/leads", json={"email": "taken@initech.example"})
    lead = api("post", "/api/v1/leads", json={"email": "peter@initech.example"}).get_json()
    assert api("patch", f"/api/v1/leads/{lead['id']}", json={"email": "taken@initech.example"}).status_code == 409


def test_another_organisations_lead_is_404(api, client, factory):
    lead = api("post", "/api/v1/leads", json={"email": "peter@initech.example"}).get_json()
    stranger = factory.user(factory.org(domain="other.example"))
    for method in ("get", "patch"):
        response = getattr(client, method)(f"/api/v1/leads/{lead['id']}", json={}, headers=factory.headers(stranger))
        assert response.status_code == 404
    assert client.post(f"/api/v1/leads/{lead['id']}/convert", headers=factory.headers(stranger)).status_code == 404


def test_convert_keeps_the_history(api, rep, db):
    lead = api("post", "/api/v1/leads", json={"email": "peter@initech.example", "name": "Peter", "title": "Engineer"}).get_json()
    api("post", "/api/v1/notes", json={"body": "Interested in the pilot", "lead_id": lead["id"]})
    box = FakeMailbox("rep@us.example")
    store_gmail_messages(rep.org, rep, rep, [box.add_message(sender="peter@initech.example", to=["rep@us.example"], subject="Pilot")])

    response = api("post", f"/api/v1/leads/{lead['id']}/convert")

    assert response.status_code == 201
    contact, converted = response.get_json()["contact"], response.get_json()["lead"]
    assert (contact["name"], contact["title"], contact["emails"]) == ("Peter", "Engineer", [{"email": "peter@initech.example", "primary": True}])
    assert contact["company"]["name"] == "Initech"
    assert converted["status"] == "converted" and converted["converted_contact_id"] == contact["id"]
    timeline = api("get", f"/api/v1/contacts/{contact['id']}/timeline").get_json()["items"]
    assert sorted(item["kind"] for item in timeline) == ["email", "note"]
    assert Note.get().contact_id == contact["id"] and Note.get().lead_id == lead["id"]
    # Once is enough.
    again = api("post", f"/api/v1/leads/{lead['id']}/convert")
    assert again.status_code == 409 and again.get_json()["existing"]["record"]["id"] == contact["id"]
    assert Contact.select().count() == 1
    assert api("patch", f"/api/v1/leads/{lead['id']}", json={"name": "x"}).status_code == 409


def test_convert_with_a_named_company_and_a_first_deal(api, rep, db):
    lead = api("post", "/api/v1/leads", json={"email": "mina@newco.example", "name": "Mina", "company_name": "Newco"}).get_json()

    response = api(
        "post",
        f"/api/v1/leads/{lead['id']}/convert",
        json={"company_name": "NewCo Ltd", "deal": {"name": "NewCo pilot", "amount": "1200.50", "stage": "proposal"}},
    )

    assert response.status_code == 201
    contact, deal = response.get_json()["contact"], response.get_json()["deal"]
    assert contact["company"]["name"] == "NewCo Ltd"
    assert (deal["name"], deal["amount"], deal["stage"], deal["status"]) == ("NewCo pilot", "1200.50", "proposal", "open")
    assert (deal["contact_id"], deal["company_id"], deal["owner"]["id"]) == (contact["id"], contact["company"]["id"], rep.id)
    # The new company took the address's domain, so the next person there joins it.
    assert api("post", "/api/v1/contacts", json={"email": "joe@newco.example"}).get_json()["company"]["name"] == "NewCo Ltd"


def test_convert_without_a_company_and_without_a_deal(api, db):
    lead = api("post", "/api/v1/leads", json={"email": "peter@initech.example"}).get_json()
    answer = api("post", f"/api/v1/leads/{lead['id']}/convert", json={"company_name": "", "deal": None}).get_json()
    assert answer["contact"]["company"] is None and answer["deal"] is None


@pytest.mark.parametrize(
    "body, field",
    [
        ({"deal": {"amount": "5"}}, "deal.name"),
        ({"deal": {"name": "Pilot", "amount": "-5"}}, "deal.amount"),
        ({"deal": {"name": "Pilot", "contact_id": 1}}, "deal"),
        ({"deal": "Pilot"}, "deal"),
        ({"company_name": 7}, "company_name"),
    ],
)
def test_a_bad_conversion_is_400_and_converts_nothing(api, db, body, field):
    lead = api("post", "/api/v1/leads", json={"email": "peter@initech.example"}).get_json()
    response = api("post", f"/api/v1/leads/{lead['id']}/convert", json=body)
    assert response.status_code == 400 and response.get_json()["field"] == field
    assert Lead.get_by_id(lead["id"]).status == "new" and Contact.select().count() == 0 and Deal.select().count() == 0


def test_converting_when_a_contact_holds_the_address_is_409_and_changes_nothing(api, db):
    lead = api("post", "/api/v1/leads", json={"email": "peter@initech.example"}).get_json()
    # A contact created with another address, later given the lead's address by hand.
    contact = api("post", "/api/v1/contacts", json={"emails": ["p2@initech.example"]}).get_json()
    ContactAddress.create(org=Lead.get_by_id(lead["id"]).org_id, contact=contact["id"], email="peter@initech.example", email_normalized="peter@initech.example")

    response = api("post", f"/api/v1/leads/{lead['id']}/convert")

    assert response.status_code == 409
    assert Lead.get_by_id(lead["id"]).status == "new"


@pytest.mark.parametrize("name", ["nul\x00byte", "lone \ud800 surrogate"])
def test_text_no_database_can_store_is_400(api, name):
    response = api("post", "/api/v1/leads", json={"email": "a@b.example", "name": name})
    assert response.status_code == 400


def test_a_search_with_a_nul_character_is_400(api):
    assert api("get", "/api/v1/leads?q=nul%00byte").status_code == 400


def test_an_id_beyond_any_database_integer_is_404(api):
    assert api("get", f"/api/v1/leads/{2**70}").status_code == 404
    assert api("get", f"/api/v1/emails/{2**70}").status_code == 404
