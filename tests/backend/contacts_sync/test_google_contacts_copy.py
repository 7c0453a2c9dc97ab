"""Copying CRM contacts to Google Contacts: turned on with the scope, created in the group, updated, removed, conflicts kept."""

from .conftest import REP
from .helpers import ROUTE, change, choice, new_contact, sync_now, turn_on


def test_without_the_contacts_scope_turning_on_asks_for_it_and_changes_nothing(app, client, factory, workspace, google_contacts, db):
    org = factory.org(domain="acme.example")
    rep = factory.user(org, email=REP)
    workspace.connect(app, rep)  # mail and calendar only
    refused = change(client, factory, rep, enabled=True)
    assert refused.status_code == 403
    body = refused.get_json()
    assert body["error"] == "needs_scope" and body["scope"] == "https://www.googleapis.com/auth/contacts"
    assert "allow Contacts" in body["message"]
    state = choice(client, factory, rep)
    assert state["enabled"] is False and state["granted"] is False and state["state"] == "off"
    assert google_contacts.calls_for(REP) == []


def test_connect_start_asks_for_contacts_beside_mail_with_granted_scopes_kept(client, factory, crew):
    response = client.post(ROUTE + "/connect/start", json={"redirect_uri": "https://ext.chromiumapp.org/"}, headers=factory.headers(crew["rep"]))
    assert response.status_code == 200, response.get_json()
    url = response.get_json()["authorization_url"]
    assert "auth%2Fcontacts" in url and "gmail.modify" in url and "include_granted_scopes=true" in url and "access_type=offline" in url


def test_turning_on_copies_my_contacts_into_the_threadbook_group(client, factory, crew, google_contacts):
    rep, colleague = crew["rep"], crew["colleague"]
    new_contact(client, factory, rep, "ada@ext.example", "Ada Lovelace", title="CTO", phone="+44 20 1234")
    new_contact(client, factory, colleague, "bob@ext.example", "Bob Col")
    state = turn_on(client, factory, rep)
    assert state["enabled"] and state["filter"] == "mine"
    ada = google_contacts.find(REP, "ada@ext.example")
    assert ada["names"][0]["givenName"] == "Ada" and ada["names"][0]["familyName"] == "Lovelace"
    assert ada["phoneNumbers"] == [{"value": "+44 20 1234"}]
    assert ada["organizations"][0]["title"] == "CTO"
    assert google_contacts.members_named(REP, "Threadbook") == ["ada@ext.example"]
    assert google_contacts.find(REP, "bob@ext.example") is None  # the colleague's, not "mine"
    state = choice(client, factory, rep)
    assert state["state"] == "ok" and state["counts"] == {"copied": 1, "conflicts": 0}
    assert state["group"] == google_contacts.group_named(REP, "Threadbook")["resourceName"]
    assert state["last_synced_at"] and state["last_error"] is None


def test_a_crm_edit_updates_the_google_contact_and_a_second_run_writes_nothing(client, factory, crew, google_contacts):
    rep = crew["rep"]
    ada = new_contact(client, factory, rep, "ada@ext.example", "Ada Lovelace")
    turn_on(client, factory, rep)
    before = google_contacts.find(REP, "ada@ext.example")
    edited = client.patch(f"/api/v1/contacts/{ada['id']}", json={"name": "Ada King", "phone": "+1 555"}, headers=factory.headers(rep))
    assert edited.status_code == 200
    assert sync_now(client, factory, rep).status_code == 202
    after = google_contacts.find(REP, "ada@ext.example")
    assert after["resourceName"] == before["resourceName"] and after["etag"] != before["etag"]
    assert after["names"][0]["familyName"] == "King" and after["phoneNumbers"] == [{"value": "+1 555"}]
    writes = len(google_contacts.calls_for(REP))
    assert sync_now(client, factory, rep).status_code == 202
    assert [c for c in google_contacts.calls_for(REP)[writes:] if c[0] != "GET"] == []  # nothing changed: no write


def test_a_crm_deletion_removes_only_threadbooks_copy(client, factory, crew, google_contacts):
    rep = crew["rep"]
    ada = new_contact(client, factory, rep, "ada@ext.example", "Ada Lovelace")
    turn_on(client, factory, rep)
    google_contacts.account(REP).people["people/own"] = {"resourceName": "people/own", "etag": "x", "emailAddresses": [{"value": "mum@home.example"}]}
    assert client.delete(f"/api/v1/contacts/{ada['id']}", headers=factory.headers(rep)).status_code in (200, 204)
    sync_now(client, factory, rep)
    assert google_contacts.find(REP, "ada@ext.example") is None
    assert google_contacts.find(REP, "mum@home.example") is not None  # the user's own contact is never touched
    assert choice(client, factory, rep)["counts"]["copied"] == 0


def test_an_edit_made_in_google_is_kept_and_shown_as_a_conflict_until_the_user_chooses(client, factory, crew, google_contacts):
    rep = crew["rep"]
    ada = new_contact(client, factory, rep, "ada@ext.example", "Ada Lovelace")
    turn_on(client, factory, rep)
    copy = google_contacts.find(REP, "ada@ext.example")
    google_contacts.edit(REP, copy["resourceName"], phoneNumbers=[{"value": "+33 1 from Google"}])
    client.patch(f"/api/v1/contacts/{ada['id']}", json={"phone": "+1 from CRM"}, headers=factory.headers(rep))
    sync_now(client, factory, rep)
    assert google_contacts.find(REP, "ada@ext.example")["phoneNumbers"] == [{"value": "+33 1 from Google"}]  # not overwritten
    state = choice(client, factory, rep)
    assert state["counts"]["conflicts"] == 1
    conflict = state["conflicts"][0]
    assert conflict["contact_id"] == ada["id"] and conflict["contact_name"] == "Ada Lovelace"
    assert conflict["google"]["phones"] == ["+33 1 from Google"]
    sync_now(client, factory, rep)  # still waiting for the user: still not overwritten
    assert google_contacts.find(REP, "ada@ext.example")["phoneNumbers"] == [{"value": "+33 1 from Google"}]
    settled = client.post(f"{ROUTE}/conflicts/{conflict['id']}", json={"keep": "crm"}, headers=factory.headers(rep))
    assert settled.status_code == 200 and settled.get_json()["counts"]["conflicts"] == 0
    assert google_contacts.find(REP, "ada@ext.example")["phoneNumbers"] == [{"value": "+1 from CRM"}]


def test_keeping_googles_version_stops_the_overwrite_until_the_crm_changes_again(client, factory, crew, google_contacts):
    rep = crew["rep"]
    ada = new_contact(client, factory, rep, "ada@ext.example", "Ada Lovelace")
    turn_on(client, factory, rep)
    google_contacts.edit(REP, google_contacts.find(REP, "ada@ext.example")["resourceName"], phoneNumbers=[{"value": "+33 Google"}])
    client.patch(f"/api/v1/contacts/{ada['id']}", json={"phone": "+1 CRM"}, headers=factory.headers(rep))
    sync_now(client, factory, rep)
    conflict = choice(client, factory, rep)["conflicts"][0]
    assert client.post(f"{ROUTE}/conflicts/{conflict['id']}", json={"keep": "google"}, headers=factory.headers(rep)).status_code == 200
    sync_now(client, factory, rep)
    assert google_contacts.find(REP, "ada@ext.example")["phoneNumbers"] == [{"value": "+33 Google"}]
    client.patch(f"/api/v1/contacts/{ada['id']}", json={"title": "CEO"}, headers=factory.headers(rep))
    sync_now(client, factory, rep)
    assert google_contacts.find(REP, "ada@ext.example")["organizations"][0]["title"] == "CEO"  # a later CRM edit is copied


def test_a_conflict_is_settled_only_by_its_user_and_with_a_known_choice(client, factory, crew, google_contacts):
    rep = crew["rep"]
    ada = new_contact(client, factory, rep, "ada@ext.example", "Ada Lovelace")
    turn_on(client, factory, rep)
    google_contacts.edit(REP, google_contacts.find(REP, "ada@ext.example")["resourceName"], phoneNumbers=[{"value": "+33"}])
    client.patch(f"/api/v1/contacts/{ada['id']}", json={"phone": "+1"}, headers=factory.headers(rep))
    sync_now(client, factory, rep)
    conflict_id = choice(client, factory, rep)["conflicts"][0]["id"]
    bad = client.post(f"{ROUTE}/conflicts/{conflict_id}", json={"keep": "both"}, headers=factory.headers(rep))
    assert bad.status_code == 400 and bad.get_json()["field"] == "keep"
    for someone in (crew["admin"], crew["colleague"]):
        answer = client.post(f"{ROUTE}/conflicts/{conflict_id}", json={"keep": "crm"}, headers=factory.headers(someone))
        assert answer.status_code == 404 and answer.get_json()["error"] == "not_found"
    assert choice(client, factory, rep)["counts"]["conflicts"] == 1


def test_a_group_deleted_in_google_is_created_again_with_the_copies_in_it(client, factory, crew, google_contacts):
    rep = crew["rep"]
    new_contact(client, factory, rep, "ada@ext.example", "Ada Lovelace")
    turn_on(client, factory, rep)
    google_contacts.delete_group(REP, google_contacts.group_named(REP, "Threadbook")["resourceName"])
    sync_now(client, factory, rep)
    assert google_contacts.members_named(REP, "Threadbook") == ["ada@ext.example"]
    assert choice(client, factory, rep)["group"] == google_contacts.group_named(REP, "Threadbook")["resourceName"]


def test_a_copy_edited_in_google_is_let_go_not_deleted_when_its_crm_contact_goes(client, factory, crew, google_contacts):
    rep = crew["rep"]
    ada = new_contact(client, factory, rep, "ada@ext.example", "Ada Lovelace")
    bea = new_contact(client, factory, rep, "bea@ext.example", "Bea")
    turn_on(client, factory, rep)
    google_contacts.edit(REP, google_contacts.find(REP, "ada@ext.example")["resourceName"], biographies=[{"value": "met at the fair"}])
    for contact in (ada, bea):
        client.delete(f"/api/v1/contacts/{contact['id']}", headers=factory.headers(rep))
    sync_now(client, factory, rep)
    kept = google_contacts.find(REP, "ada@ext.example")
    assert kept["biographies"] == [{"value": "met at the fair"}]  # the user's edit survives
    assert google_contacts.members_named(REP, "Threadbook") == []  # out of Threadbook's group
    assert google_contacts.find(REP, "bea@ext.example") is None  # untouched in Google: deleted
    assert choice(client, factory, rep)["counts"]["copied"] == 0
