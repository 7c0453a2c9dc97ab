"""Contacts over HTTP: create, search, update, and a timeline that respects each email's visibility."""

import datetime

import pytest

from threadbook.mail.store import store_gmail_messages
from threadbook.models import Meeting, MeetingAttendee

from ...fakes.gmail_store import FakeMailbox

UTC = datetime.UTC


def as_user(client, factory, user):
    def call(method, path, **kwargs):
        return getattr(client, method)(path, headers=factory.headers(user), **kwargs)

    return call


@pytest.fixture
def api(client, factory, team):
    return as_user(client, factory, team["rep"])


@pytest.fixture
def log_mail():
    """Store one message from a user's mailbox as if they had logged it: log_mail(user, visibility, day, ...)."""
    boxes = {}

    def log(user, visibility, day, **message):
        box = boxes.setdefault(user.id, FakeMailbox(user.email))
        message.setdefault("to", [user.email])
        resource = box.add_message(date=datetime.datetime(2026, 1, day, 12, tzinfo=UTC), **message)
        created, _ = store_gmail_messages(user.org, user, user, [resource], visibility=visibility)
        return created[0]

    return log


def test_create_a_contact_with_several_addresses_and_a_company_from_the_domain(api, team):
    response = api("post", "/api/v1/contacts", json={"name": "Ada Lovelace", "emails": ["Ada@Acme.example", "ada.l@gmail.com"], "title": "CTO"})
    assert response.status_code == 201
    ada = response.get_json()
    assert ada["emails"] == [{"email": "Ada@Acme.example", "primary": True}, {"email": "ada.l@gmail.com", "primary": False}]
    assert ada["company"]["name"] == "Acme"
    assert ada["owner"]["id"] == team["rep"].id
    assert api("get", f"/api/v1/contacts/{ada['id']}").get_json() == ada
    # The company was created with the domain, so the next contact there joins it.
    bob = api("post", "/api/v1/contacts", json={"email": "bob@mail.acme.example"}).get_json()
    assert bob["company"]["id"] == ada["company"]["id"]


def test_a_contact_with_a_named_company_or_none(api):
    company = api("post", "/api/v1/companies", json={"name": "Initech", "domains": ["initech.example"]}).get_json()
    peter = api("post", "/api/v1/contacts", json={"email": "peter@gmail.com", "company_id": company["id"]}).get_json()
    assert peter["company"]["id"] == company["id"]
    assert api("post", "/api/v1/contacts", json={"email": "solo@gmail.com"}).get_json()["company"] is None


def test_an_address_in_use_is_409(api):
    api("post", "/api/v1/leads", json={"email": "kat@nasa.example"})
    api("post", "/api/v1/contacts", json={"email": "ada@acme.example"})
    assert api("post", "/api/v1/contacts", json={"emails": ["new@acme.example", "KAT@nasa.example"]}).get_json()["existing"]["kind"] == "lead"
    assert api("post", "/api/v1/contacts", json={"email": "ada@acme.example"}).status_code == 409
    assert api("post", "/api/v1/contacts", json={"email": "col@us.example"}).status_code == 409


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"emails": []},
        {"emails": "ada@acme.example"},
        {"emails": ["nope"]},
        {"email": "nope"},
        {"email": "a@b.example", "company_id": "1"},
        {"email": "a@b.example", "name": 5},
    ],
)
def test_bad_contacts_are_400(api, body):
    response = api("post", "/api/v1/contacts", json=body)
    assert response.status_code == 400


def test_search_contacts_by_name_or_any_address(api):
    api("post", "/api/v1/contacts", json={"name": "Ada Lovelace", "emails": ["ada@acme.example", "countess@analytical.example"]})
    api("post", "/api/v1/contacts", json={"name": "Grace Hopper", "email": "grace@navy.example"})
    names = lambda q: [c["name"] for c in api("get", f"/api/v1/contacts?q={q}").get_json()["items"]]
    assert names("love") == ["Ada Lovelace"]
    assert names("COUNTESS") == ["Ada Lovelace"]
    assert names("navy.example") == ["Grace Hopper"]
    assert names("") == ["Ada Lovelace", "Grace Hopper"]


def test_update_a_contact_and_replace_its_addresses(api):
    ada = api("post", "/api/v1/contacts", json={"name": "Ada", "emails": ["ada@acme.example"]}).get_json()
    response = api("patch", f"/api/v1/contacts/{ada['id']}", json={"title": "CEO", "emails": ["ada@newco.example", "ada@acme.example"], "company_id": None})
    assert response.status_code == 200
    updated = response.get_json()
    assert updated["title"] == "CEO" and updated["company"] is None
    assert [e["email"] for e in updated["emails"]] == ["ada@newco.example", "ada@acme.example"]
    grace = api("post", "/api/v1/contacts", json={"email": "grace@navy.example"}).get_json()
    assert api("patch", f"/api/v1/contacts/{grace['id']}", json={"emails": ["ada@newco.example"]}).status_code == 409


def test_a_contact_s_company_by_name_found_in_any_case_created_or_none(api):
    acme = api("post", "/api/v1/companies", json={"name": "Acme Widgets", "domains": ["acme.example"]}).get_json()
    ada = api("post", "/api/v1/contacts", json={"name": "Ada", "email": "ada@gmail.com"}).get_json()
    rename = lambda name: api("patch", f"/api/v1/contacts/{ada['id']}", json={"company_name": name})
    assert rename("  acme WIDGETS ").get_json()["company"]["id"] == acme["id"]
    newco = rename("NewCo").get_json()["company"]
    assert newco["name"] == "NewCo" and newco["id"] != acme["id"]
    assert api("get", "/api/v1/companies?q=newco").get_json()["items"][0]["domains"] == []
    assert rename("").get_json()["company"] is None
    assert rename(None).get_json()["company"] is None
    both = api("patch", f"/api/v1/contacts/{ada['id']}", json={"company_name": "NewCo", "company_id": acme["id"]})
    assert both.status_code == 400 and both.get_json()["field"] == "company_name"
    assert api("patch", f"/api/v1/contacts/{ada['id']}", json={"company_name": 7}).status_code == 400


def test_a_refused_reassignment_creates_no_company_and_changes_nothing(client, factory, api, team):
    ada = api("post", "/api/v1/contacts", json={"name": "Ada", "email": "ada@gmail.com"}).get_json()
    colleague = as_user(client, factory, team["colleague"])
    companies = len(api("get", "/api/v1/companies").get_json()["items"])

    response = colleague("patch", f"/api/v1/contacts/{ada['id']}", json={"owner_id": team["colleague"].id, "company_name": "Brand New", "title": "CEO"})

    assert response.status_code == 403
    assert len(api("get", "/api/v1/companies").get_json()["items"]) == companies
    assert api("get", f"/api/v1/contacts/{ada['id']}").get_json() == ada


def test_another_organisations_contact_is_404(api, client, factory):
    ada = api("post", "/api/v1/contacts", json={"email": "ada@acme.example"}).get_json()
    other = as_user(client, factory, factory.user(factory.org(domain="other.example")))
    assert other("get", f"/api/v1/contacts/{ada['id']}").status_code == 404
    assert other("patch", f"/api/v1/contacts/{ada['id']}", json={"name": "x"}).status_code == 404
    assert other("get", f"/api/v1/contacts/{ada['id']}/timeline").status_code == 404
    assert other("get", "/api/v1/contacts").get_json()["items"] == []


def test_mail_logged_before_the_contact_existed_shows_at_once(api, team, db, log_mail):
    log_mail(team["rep"], "team_full", 3, sender="Ada <ADA.L@googlemail.com>", subject="Before she was a contact")

    ada = api("post", "/api/v1/contacts", json={"name": "Ada", "emails": ["ada@acme.example", "adal@gmail.com"]}).get_json()
    timeline = api("get", f"/api/v1/contacts/{ada['id']}/timeline").get_json()

    assert [(i["kind"], i["email"]["subject"]) for i in timeline["items"]] == [("email", "Before she was a contact")]
    # And the lookup agrees.
    [found] = api("post", "/api/v1/lookup", json={"participants": [{"email": "ada@acme.example"}]}).get_json()["participants"]
    assert found["last_logged_at"] == "2026-01-03T12:00:00Z"


def test_the_timeline_merges_mail_notes_and_meetings_newest_first(api, team, db, log_mail):
    ada = api("post", "/api/v1/contacts", json={"name": "Ada", "emails": ["ada@acme.example", "ada@home.example"]}).get_json()
    log_mail(team["rep"], "team_full", 2, sender="ada@acme.example", subject="Work mail")
    log_mail(team["rep"], "team_full", 6, sender="rep@us.example", to=["ada@home.example"], cc=["ada@acme.example"], subject="Both addresses")
    log_mail(team["rep"], "team_full", 4, sender="someone@else.example", subject="Not with Ada")
    meeting = Meeting.create(
        org=team["org"], owner=team["rep"], title="Kick-off", start=datetime.datetime(2026, 1, 5, 9), end=datetime.datetime(2026, 1, 5, 10)
    )
    MeetingAttendee.create(org=team["org"], meeting=meeting, address="ada@acme.example", address_normalized="ada@acme.example", name="Ada")
    api("post", "/api/v1/notes", json={"body": "Sent the proposal", "contact_id": ada["id"]})

    items = api("get", f"/api/v1/contacts/{ada['id']}/timeline").get_json()["items"]

    assert [i["kind"] for i in items] == ["note", "email", "meeting", "email"]
    assert items[1]["email"]["subject"] == "Both addresses"  # once, though Ada is in To and Cc
    assert items[2]["meeting"]["title"] == "Kick-off" and items[2]["meeting"]["attendees"][0]["email"] == "ada@acme.example"
    assert items[3]["email"]["subject"] == "Work mail"
    assert items[0]["note"]["author"]["name"] == "Rep"

    page1 = api("get", f"/api/v1/contacts/{ada['id']}/timeline?per_page=3").get_json()
    page2 = api("get", f"/api/v1/contacts/{ada['id']}/timeline?per_page=3&page=2").get_json()
    assert page1["has_more"] is True and page2["has_more"] is False
    assert [i["kind"] for i in page1["items"] + page2["items"]] == ["note", "email", "meeting", "email"]


def test_the_timeline_respects_each_emails_visibility(client, factory, api, team, db, log_mail):
    ada = api("post", "/api/v1/contacts", json={"name": "Ada", "email": "ada@acme.example"}).get_json()
    log_mail(team["rep"], "private", 1, sender="ada@acme.example", subject="Private", body="secret terms")
    log_mail(team["rep"], "team_metadata", 2, sender="ada@acme.example", subject="Metadata only", body="internal numbers")
    log_mail(team["rep"], "team_full", 3, sender="ada@acme.example", subject="Shared", body="the agenda")
    colleague = as_user(client, factory, team["colleague"])

    for_owner = api("get", f"/api/v1/contacts/{ada['id']}/timeline").get_json()["items"]
    for_colleague = colleague("get", f"/api/v1/contacts/{ada['id']}/timeline").get_json()["items"]

    assert [(i["email"]["subject"], i["email"]["snippet"]) for i in for_owner] == [
        ("Shared", "the agenda"),
        ("Metadata only", "internal numbers"),
        ("Private", "secret terms"),
    ]
    assert [(i["email"]["subject"], i["email"]["snippet"], i["email"]["redacted"]) for i in for_colleague] == [
        ("Shared", "the agenda", False),
        ("Metadata only", None, True),
    ]
    metadata = for_colleague[1]["email"]
    assert metadata["from"]["email"] == "ada@acme.example" and metadata["date"] == "2026-01-02T12:00:00Z"
    assert metadata["body"] is None


def test_each_holder_of_the_same_mail_sees_their_own_copy_once_and_never_the_others(client, factory, api, team, db, log_mail):
    ada = api("post", "/api/v1/contacts", json={"email": "ada@acme.example"}).get_json()
    shared_id = "<both@acme.example>"
    log_mail(team["rep"], "private", 1, sender="ada@acme.example", to=["rep@us.example", "col@us.example"], message_id=shared_id, body="rep's copy")
    box = FakeMailbox("col@us.example")
    [theirs], _ = store_gmail_messages(
        team["org"], team["colleague"], team["colleague"], [box.add_message(sender="ada@acme.example", message_id=shared_id, body="col's copy")]
    )

    def timeline(user):
        return as_user(client, factory, user)("get", f"/api/v1/contacts/{ada['id']}/timeline").get_json()["items"]

    # One item each: their own copy, in full; the rep's private copy is neither shown nor merged in.
    assert [(i["email"]["id"], i["email"]["snippet"]) for i in timeline(team["colleague"])] == [(theirs.id, "col's copy")]
    assert [i["email"]["snippet"] for i in timeline(team["rep"])] == ["rep's copy"]


@pytest.mark.parametrize("query", ["page=0", "per_page=101", "page=x"])
def test_bad_pages_are_400(api, query):
    ada = api("post", "/api/v1/contacts", json={"email": "ada@acme.example"}).get_json()
    assert api("get", f"/api/v1/contacts/{ada['id']}/timeline?{query}").status_code == 400
