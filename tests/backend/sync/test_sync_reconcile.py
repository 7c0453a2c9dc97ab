"""Reconciliation: messages Gmail's history never reported are found by listing ids, and stored through the normal page path.

The issue (#17): "3 of 3 messages dropped from history were never stored". Here
the fake Gmail drops their history records, so incremental sync cannot see
them; the daily reconciliation lists the last days' ids, finds them missing and
stores them, while mail sync left out on purpose (colleagues only, blocked,
unlogged) is not fetched again.
"""

import datetime

import pytest

from threadbook.db import database
from threadbook.models import BlockedAddress, MailboxMessage, MailboxReconciliation, SkippedMessage, User
from threadbook.sync.reconcile import reconcile_mailbox, reconciliations_due
from threadbook.sync.settings import SyncSettings

from ...fakes.google_common import backend_error
from ..support.sync import Sleeps, ago, connect, run_sync


@pytest.fixture
def box(google, rep):
    return google.state.add_mailbox(rep.email)


def drop_from_history(box, gmail_id):
    """Gmail's history misses the message: no record of it is ever returned."""
    box.history[:] = [r for r in box.history if not any(e["message"]["id"] == gmail_id for e in r.get("messagesAdded") or [])]


def add_dropped(box, rep, n, sender="Buyer {i} <buyer{i}@customer.example>", days_ago=1):
    ids = []
    for i in range(n):
        message = box.add_message(sender=sender.format(i=i), to=[rep.email], subject=f"Lost {i}", date=ago(days=days_ago, minutes=i))
        drop_from_history(box, message["id"])
        ids.append(message["id"])
    return ids


def stored_ids(app, user):
    with app.app_context():
        database.connect(reuse_if_open=True)
        return {m.gmail_message_id for m in MailboxMessage.select().where(MailboxMessage.user == user.id)}


def reconcile(app, mailbox_id, **kwargs):
    with app.app_context():
        database.connect(reuse_if_open=True)
        return reconcile_mailbox(mailbox_id, settings=SyncSettings.from_config(app.config, sleep=Sleeps()), **kwargs)


def gets_for(google, account):
    """messages.get calls made for ``account`` (each part of a batch counts, as Google counts quota)."""
    return [path for method, path in google.state.calls_for(account) if method == "GET" and "/messages/" in path]


@pytest.fixture
def synced(app, google, rep, box):
    box.add_message(sender="Ada <ada@customer.example>", to=[rep.email], subject="Hello", date=ago(days=2))
    mailbox = connect(app, google, rep)
    assert run_sync(app, mailbox.id).outcome == "synced"
    return mailbox


def test_messages_dropped_from_history_are_found_and_stored(app, client, factory, google, rep, admin, box, synced):
    dropped = add_dropped(box, rep, 3)
    seen = box.add_message(sender="Bob <bob@customer.example>", to=[rep.email], subject="Seen", date=ago(minutes=30))
    run_sync(app, synced.id)
    assert seen["id"] in stored_ids(app, rep)
    assert not set(dropped) & stored_ids(app, rep)  # history never told sync about them

    report = reconcile(app, synced.id)

    assert report.outcome == "reconciled"
    assert (report.checked, report.missing, report.fetched, report.stored) == (5, 3, 3, 3)
    assert set(dropped) <= stored_ids(app, rep)
    # Stored as sync stores: labelled Threadbook/Logged like every synced message.
    logged = box.label_by_name("Threadbook/Logged")["id"]
    assert all(logged in box.messages[gid]["labelIds"] for gid in dropped)
    body = client.get("/api/v1/mailbox", headers=factory.headers(rep)).get_json()
    assert body["last_reconciliation"]["checked"] == 5
    assert (body["last_reconciliation"]["missing"], body["last_reconciliation"]["fetched"]) == (3, 3)
    assert body["last_reconciliation"]["outcome"] == "reconciled" and body["last_reconciliation"]["at"]
    members = client.get("/api/v1/org/mailboxes", headers=factory.headers(admin)).get_json()["mailboxes"]
    assert {m["user_id"]: m["last_reconciliation"] for m in members}[rep.id] == body["last_reconciliation"]
    assert {m["user_id"]: m["last_reconciliation"] for m in members}[admin.id] is None


def test_a_second_run_fetches_nothing(app, google, rep, box, synced):
    add_dropped(box, rep, 2)
    reconcile(app, synced.id)
    google.state.reset_counters()

    report = reconcile(app, synced.id)

    assert (report.checked, report.missing, report.fetched) == (3, 0, 0)
    assert gets_for(google, rep.email) == []


def test_mail_left_out_on_purpose_is_not_fetched_again(app, google, factory, rep, box, synced):
    """Colleague-only, blocked and automated mail, whether sync or reconciliation first left it out, is fetched once."""
    colleague = factory.user(User.get_by_id(rep.id).org, email="pat@acme.example")
    box.add_message(sender=f"Pat <{colleague.email}>", to=[rep.email], subject="Lunch", date=ago(hours=3))  # sync leaves it out
    box.add_message(sender="News <noreply@news.example>", to=[rep.email], subject="Digest", date=ago(hours=2))
    run_sync(app, synced.id)
    with app.app_context():
        database.connect(reuse_if_open=True)
        assert SkippedMessage.select().where(SkippedMessage.user == rep.id).count() == 2
        BlockedAddress.create(org=rep.org_id, user=rep.id, pattern="spam.example")
    [internal] = add_dropped(box, rep, 1, sender=f"Pat <{colleague.email}>")
    [blocked] = add_dropped(box, rep, 1, sender="Spammer <x@spam.example>")

    first = reconcile(app, synced.id)
    assert (first.missing, first.fetched, first.stored, first.skipped) == (2, 2, 0, 2)
    assert not {internal, blocked} & stored_ids(app, rep)  # filters apply as in sync
    google.state.reset_counters()

    second = reconcile(app, synced.id)

    assert (second.checked, second.missing) == (first.checked, 0)
    assert gets_for(google, rep.email) == []


def test_unlogged_messages_are_not_stored_again(app, client, factory, google, rep, box, synced):
    [gid] = add_dropped(box, rep, 1)
    reconcile(app, synced.id)
    headers = factory.headers(rep)
    with app.app_context():
        database.connect(reuse_if_open=True)
        email_id = MailboxMessage.get((MailboxMessage.user == rep.id) & (MailboxMessage.gmail_message_id == gid)).email_id
    assert client.delete(f"/api/v1/emails/{email_id}", headers=headers).status_code == 204

    report = reconcile(app, synced.id)

    assert (report.missing, report.fetched, report.stored) == (1, 1, 0)  # fetched once, left out by its tombstone…
    assert gid not in stored_ids(app, rep)
    assert reconcile(app, synced.id).missing == 0  # …and remembered


def test_mail_newer_than_the_last_sync_is_left_to_sync(app, google, rep, box, synced):
    [new] = add_dropped(box, rep, 1, days_ago=0)  # arrived a minute ago; the last sync ran before

    report = reconcile(app, synced.id)

    assert (report.checked, report.missing) == (1, 0) and new not in stored_ids(app, rep)


def test_only_the_window_is_listed(app, google, rep, box, synced):
    old = add_dropped(box, rep, 1, days_ago=20)
    google.state.reset_counters()

    report = reconcile(app, synced.id, days=7)

    assert (report.checked, report.missing) == (1, 0) and old[0] not in stored_ids(app, rep)
    assert google.state.calls_for(rep.email) == [("GET", "/gmail/v1/users/me/messages")]  # one list call, ids only


def test_paused_or_unfinished_mailboxes_are_not_reconciled(app, google, rep, box, synced):
    with app.app_context():
        database.connect(reuse_if_open=True)
        User.update(sync_paused=True).where(User.id == rep.id).execute()
        assert synced.id not in reconciliations_due()
    google.state.reset_counters()

    assert reconcile(app, synced.id).outcome == "paused"
    assert google.state.calls_for(rep.email) == []


def test_a_mailbox_is_due_once_a_day(app, rep, synced):
    with app.app_context():
        database.connect(reuse_if_open=True)
        assert synced.id in reconciliations_due()
        reconcile_mailbox(synced.id, settings=SyncSettings.from_config(app.config, sleep=Sleeps()))
        assert synced.id not in reconciliations_due()
        tomorrow = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) + datetime.timedelta(hours=25)
        assert synced.id in reconciliations_due(now=tomorrow)
        assert MailboxReconciliation.select().count() == 1


def test_a_failed_run_is_recorded_shown_and_tried_again_next_hour(app, client, factory, google, rep, box, synced):
    add_dropped(box, rep, 1)
    google.state.fail(backend_error(), times=20, method="GET", path_contains="/messages")

    report = reconcile(app, synced.id)

    assert report.outcome == "error" and "500" in report.error
    shown = client.get("/api/v1/mailbox", headers=factory.headers(rep)).get_json()["last_reconciliation"]
    assert shown["outcome"] == "error" and shown["error"] == report.error
    with app.app_context():
        database.connect(reuse_if_open=True)
        assert synced.id in reconciliations_due()  # only a run that reconciled counts for the day
    google.state.failures.clear()
    assert reconcile(app, synced.id).stored == 1
