"""The sync blocklist: its API, and blocked mail never stored."""

import pytest

from threadbook.db import database
from threadbook.models import Email, EmailParticipant

from ..support.sync import ago, connect, run_sync


@pytest.mark.parametrize(
    "pattern, stored, kind",
    [
        ("Doctor.Who+x@GoogleMail.com", "doctorwho@gmail.com", "address"),
        ("ann@Family.example", "ann@family.example", "address"),
        ("Family.Example", "family.example", "domain"),
        ("@family.example", "family.example", "domain"),
        ("*.family.example", "family.example", "domain"),
        ("mail.family.example.", "mail.family.example", "domain"),
    ],
)
def test_patterns_are_normalised(client, rep, factory, pattern, stored, kind):
    response = client.post("/api/v1/blocklist", json={"pattern": pattern}, headers=factory.headers(rep))
    assert response.status_code == 201
    assert response.get_json()["pattern"] == stored
    assert response.get_json()["kind"] == kind
    assert response.get_json()["scope"] == "user"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"pattern": ""},
        {"pattern": "not an address"},
        {"pattern": "a@b"},
        {"pattern": "localhost"},
        {"pattern": 5},
        {"pattern": "x.example", "scope": "team"},
    ],
)
def test_bad_patterns_are_400(client, rep, factory, body):
    response = client.post("/api/v1/blocklist", json=body, headers=factory.headers(rep))
    assert response.status_code == 400
    assert response.get_json()["message"]


def test_duplicates_are_409(client, rep, factory):
    headers = factory.headers(rep)
    client.post("/api/v1/blocklist", json={"pattern": "x.example"}, headers=headers)
    response = client.post("/api/v1/blocklist", json={"pattern": "@X.example"}, headers=headers)
    assert response.status_code == 409


def test_org_entries_need_an_admin_and_are_shared(client, rep, admin, factory):
    assert client.post("/api/v1/blocklist", json={"pattern": "x.example", "scope": "org"}, headers=factory.headers(rep)).status_code == 403
    created = client.post("/api/v1/blocklist", json={"pattern": "x.example", "scope": "org"}, headers=factory.headers(admin))
    assert created.status_code == 201
    assert client.post("/api/v1/blocklist", json={"pattern": "x.example", "scope": "org"}, headers=factory.headers(admin)).status_code == 409
    entry_id = created.get_json()["id"]

    listed = client.get("/api/v1/blocklist", headers=factory.headers(rep)).get_json()["entries"]
    assert [(e["pattern"], e["scope"]) for e in listed] == [("x.example", "org")]
    assert client.delete(f"/api/v1/blocklist/{entry_id}", headers=factory.headers(rep)).status_code == 403
    assert client.delete(f"/api/v1/blocklist/{entry_id}", headers=factory.headers(admin)).status_code == 204
    assert client.get("/api/v1/blocklist", headers=factory.headers(rep)).get_json()["entries"] == []


def test_entries_of_colleagues_and_other_orgs_are_404(client, rep, admin, factory):
    mine = client.post("/api/v1/blocklist", json={"pattern": "mine.example"}, headers=factory.headers(rep)).get_json()
    outsider = factory.user(factory.org(domain="other.example"), email="x@other.example", role="admin")

    assert client.get("/api/v1/blocklist", headers=factory.headers(admin)).get_json()["entries"] == []
    assert client.delete(f"/api/v1/blocklist/{mine['id']}", headers=factory.headers(admin)).status_code == 404
    assert client.delete(f"/api/v1/blocklist/{mine['id']}", headers=factory.headers(outsider)).status_code == 404
    assert client.delete(f"/api/v1/blocklist/{mine['id']}", headers=factory.headers(rep)).status_code == 204


def test_blocked_mail_is_never_stored(app, client, google, rep, admin, factory):
    box = google.state.add_mailbox(rep.email)
    for sender in ("Mum <mum@family.example>", "Doc <doc@mail.clinic.example>", "HR <hr@payroll.example>", "Buyer <buyer@customer.example>"):
        box.add_message(sender=sender, to=[rep.email], date=ago(days=1))
    # blocked in Cc, with a customer in To: the whole message stays out
    box.add_message(sender=rep.email, to=["buyer@customer.example"], cc=["mum@family.example"], date=ago(days=1))
    client.post("/api/v1/blocklist", json={"pattern": "mum@family.example"}, headers=factory.headers(rep))
    client.post("/api/v1/blocklist", json={"pattern": "clinic.example"}, headers=factory.headers(rep))
    client.post("/api/v1/blocklist", json={"pattern": "payroll.example", "scope": "org"}, headers=factory.headers(admin))
    client.post("/api/v1/blocklist", json={"pattern": "customer.example"}, headers=factory.headers(admin))  # the admin's own: not the rep's
    mailbox = connect(app, google, rep)

    report = run_sync(app, mailbox.id)

    assert report.skipped_blocked == 4 and report.stored == 1
    with app.app_context():
        database.connect(reuse_if_open=True)
        addresses = {p.address_normalized for p in EmailParticipant.select()}
        assert addresses == {"buyer@customer.example", "rep@acme.example"}
        assert Email.select().count() == 1
