"""Notes over HTTP: exactly one target, in the caller's organisation; listed newest first."""

import pytest


@pytest.fixture
def setup(client, factory):
    org = factory.org(domain="us.example")
    rep, colleague = factory.user(org, email="rep@us.example"), factory.user(org, email="col@us.example")
    admin = factory.user(org, email="boss@us.example", role="admin")

    def as_user(user):
        return lambda method, path, **kw: getattr(client, method)(path, headers=factory.headers(user), **kw)

    api = as_user(rep)
    contact = api("post", "/api/v1/contacts", json={"email": "ada@acme.example"}).get_json()
    lead = api("post", "/api/v1/leads", json={"email": "kat@nasa.example"}).get_json()
    return {"api": api, "colleague": as_user(colleague), "admin": as_user(admin), "contact": contact, "lead": lead, "factory": factory, "client": client}


def test_notes_on_each_kind_of_target(setup):
    api, contact, lead = setup["api"], setup["contact"], setup["lead"]
    on_contact = api("post", "/api/v1/notes", json={"body": "Likes email", "contact_id": contact["id"]})
    on_lead = api("post", "/api/v1/notes", json={"body": "Met at the fair", "lead_id": lead["id"]})
    on_thread = api("post", "/api/v1/notes", json={"body": "Waiting for legal", "thread_id": "18C2A0F5B7E40001"})
    assert [r.status_code for r in (on_contact, on_lead, on_thread)] == [201, 201, 201]
    assert on_contact.get_json()["contact_id"] == contact["id"] and on_contact.get_json()["author"]["email"] == "rep@us.example"
    assert on_thread.get_json()["thread_id"] == "18c2a0f5b7e40001"
    api("post", "/api/v1/notes", json={"body": "Second", "contact_id": contact["id"]})
    listed = api("get", f"/api/v1/notes?contact_id={contact['id']}").get_json()["items"]
    assert [n["body"] for n in listed] == ["Second", "Likes email"]
    assert [n["body"] for n in api("get", "/api/v1/notes?thread_id=18c2a0f5b7e40001").get_json()["items"]] == ["Waiting for legal"]


@pytest.mark.parametrize(
    "body",
    [
        {"body": "x"},
        {"body": "x", "contact_id": 1, "lead_id": 1},
        {"body": "", "thread_id": "abc"},
        {"body": "x", "thread_id": "not-a-thread"},
        {"body": "x", "contact_id": "1"},
        {"body": 5, "thread_id": "abc"},
    ],
)
def test_bad_notes_are_400(setup, body):
    assert setup["api"]("post", "/api/v1/notes", json=body).status_code == 400


def test_targets_in_another_organisation_are_404(setup):
    factory, client = setup["factory"], setup["client"]
    stranger = factory.user(factory.org(domain="other.example"))
    for target in ({"contact_id": setup["contact"]["id"]}, {"lead_id": setup["lead"]["id"]}, {"contact_id": 10**9}):
        response = client.post("/api/v1/notes", json={"body": "x", **target}, headers=factory.headers(stranger))
        assert response.status_code == 404
    assert client.get(f"/api/v1/notes?contact_id={setup['contact']['id']}", headers=factory.headers(stranger)).status_code == 404


def test_only_the_author_or_an_admin_deletes_a_note(setup):
    note = setup["api"]("post", "/api/v1/notes", json={"body": "x", "contact_id": setup["contact"]["id"]}).get_json()
    assert setup["colleague"]("delete", f"/api/v1/notes/{note['id']}").status_code == 403
    assert setup["admin"]("delete", f"/api/v1/notes/{note['id']}").status_code == 204
    assert setup["api"]("delete", f"/api/v1/notes/{note['id']}").status_code == 404
