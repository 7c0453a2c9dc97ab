"""Threadbook's labels when a mailbox disconnects: kept by default, deleted from Gmail when an administrator chose it."""

import pytest

from threadbook.db import database
from threadbook.mail.gmail_labels import LOGGED
from threadbook.models import AuditLog, GmailLabel, Mailbox, Organization, ThreadLabel

from ...fakes.google_common import backend_error
from ..support.sync import ago, connect, run_sync


@pytest.fixture
def synced(app, google, rep):
    """The rep's mailbox synced once: one message labelled Threadbook/Logged, and a label of the rep's own that Threadbook adopted."""
    box = google.state.add_mailbox(rep.email)
    gid = box.add_message(sender="Ada <ada@customer.example>", to=[rep.email], date=ago(days=1))["id"]
    mailbox = connect(app, google, rep)
    run_sync(app, mailbox.id)
    return box, mailbox, gid


def choose(client, factory, admin, value):
    return client.patch("/api/v1/org", json={"remove_labels_on_disconnect": value}, headers=factory.headers(admin))


def user_labels(box):
    return {label["name"] for label in box.labels.values() if label["type"] == "user"}


def test_the_settings_are_the_administrators_choice(client, factory, rep, admin):
    org = client.get("/api/v1/org", headers=factory.headers(rep)).get_json()
    assert (org["remove_labels_on_disconnect"], org["blocklist_applies_to_manual_logs"]) == (False, True)

    assert client.patch("/api/v1/org", json={"remove_labels_on_disconnect": True}, headers=factory.headers(rep)).status_code == 403
    assert client.patch("/api/v1/org", json={"blocklist_applies_to_manual_logs": False}, headers=factory.headers(rep)).status_code == 403
    refused = client.patch("/api/v1/org", json={"remove_labels_on_disconnect": "yes"}, headers=factory.headers(admin))
    assert refused.status_code == 400 and refused.get_json()["field"] == "remove_labels_on_disconnect"

    answer = client.patch("/api/v1/org", json={"remove_labels_on_disconnect": True, "blocklist_applies_to_manual_logs": False}, headers=factory.headers(admin))
    assert answer.status_code == 200
    assert (answer.get_json()["remove_labels_on_disconnect"], answer.get_json()["blocklist_applies_to_manual_logs"]) == (True, False)


def test_by_default_labels_stay_in_gmail_and_are_used_again_on_reconnecting(app, client, factory, google, rep, synced):
    box, _, gid = synced
    label_id = box.label_by_name(LOGGED)["id"]

    assert client.delete("/api/v1/mailbox", headers=factory.headers(rep)).status_code == 200

    assert label_id in box.messages[gid]["labelIds"]
    with app.app_context():
        database.connect(reuse_if_open=True)
        assert GmailLabel.get(GmailLabel.user == rep.id).gmail_label_id == label_id


def test_when_chosen_the_labels_threadbook_created_leave_gmail_and_the_users_own_stay(app, client, factory, google, rep, admin, synced):
    box, mailbox, gid = synced
    theirs = box.create_label("threadbook/customers")  # the rep's own, adopted by the deal round
    with app.app_context():
        database.connect(reuse_if_open=True)
        GmailLabel.create(org=rep.org_id, user=rep.id, name="Threadbook/Customers", gmail_label_id=theirs["id"], created=False)
        ThreadLabel.create(org=rep.org_id, user=rep.id, gmail_thread_id=box.messages[gid]["threadId"], label="Threadbook/Customers")
    assert choose(client, factory, admin, True).status_code == 200

    answer = client.delete("/api/v1/mailbox", headers=factory.headers(rep))

    assert answer.status_code == 200 and answer.get_json()["status"] == "disconnected"
    assert user_labels(box) == {"threadbook/customers"}
    assert box.messages[gid]["labelIds"] == ["INBOX"]  # Gmail took the deleted label off the mail
    assert google.oauth.live_refresh_tokens(rep.email) == []  # revoked after the labels went
    with app.app_context():
        database.connect(reuse_if_open=True)
        assert GmailLabel.select().count() == ThreadLabel.select().count() == 0
        entry = AuditLog.get(AuditLog.action == "mailbox.labels_removed")
        assert (entry.user_id, entry.detail["mailbox_user_id"], entry.detail["labels"]) == (rep.id, rep.id, [LOGGED])


def test_a_gmail_failure_keeps_the_labels_but_the_mailbox_still_disconnects(app, client, factory, google, rep, admin, synced):
    box, mailbox, _ = synced
    choose(client, factory, admin, True)
    google.state.fail(backend_error(), times=1, method="DELETE", path_contains="/labels/")

    answer = client.delete("/api/v1/mailbox", headers=factory.headers(rep))

    assert answer.get_json()["status"] == "disconnected"
    assert user_labels(box) == {LOGGED}
    with app.app_context():
        database.connect(reuse_if_open=True)
        assert AuditLog.get(AuditLog.action == "mailbox.labels_kept").detail["mailbox_user_id"] == rep.id


def test_disconnecting_the_whole_organisation_removes_every_members_labels(app, client, factory, google, rep, admin, synced):
    box, _, _ = synced
    admin_box = google.state.add_mailbox(admin.email)
    admin_box.add_message(sender="Bo <bo@customer.example>", to=[admin.email], date=ago(days=1))
    run_sync(app, connect(app, google, admin).id)
    choose(client, factory, admin, True)

    assert client.delete("/api/v1/org/mailboxes", headers=factory.headers(admin)).get_json() == {"disconnected": 2}

    assert user_labels(box) == user_labels(admin_box) == set()
    with app.app_context():
        database.connect(reuse_if_open=True)
        assert Mailbox.select().where(Mailbox.status != "disconnected").count() == 0
        assert Organization.get_by_id(rep.org_id).remove_labels_on_disconnect


def test_removing_the_service_account_removes_its_mailboxes_labels_when_chosen(app, client, factory, google, rep, admin):
    key = google.oauth.register_service_account(["acme.example"])
    box = google.state.add_mailbox(rep.email)
    box.add_message(sender="Ada <ada@customer.example>", to=[rep.email], date=ago(days=1))
    google.state.add_mailbox(admin.email)
    choose(client, factory, admin, True)
    assert client.put("/api/v1/org/service-account", json={"key": key}, headers=factory.headers(admin)).status_code == 200
    assert user_labels(box) == {LOGGED}  # synced at once through the service account

    assert client.delete("/api/v1/org/service-account", headers=factory.headers(admin)).status_code == 204

    assert user_labels(box) == set()
