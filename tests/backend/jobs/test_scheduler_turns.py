"""One scheduler that never skips (issue 17 point 6): a job that finds its mailbox held by another kind of job runs afterwards.

The label round, sync and reconciliation of one mailbox share its lease. Both
the round and sync fire on minute 0 and 10; before, the round returned "busy"
and the thread went unsorted for a round or more. Now the task that loses
queues itself again a little later (bounded), unless the same kind of job is
already running (that run does the turn's work).
"""

import datetime
import logging

import pytest

from threadbook.crm import store as crm
from threadbook.db import database
from threadbook.jobs import queue, tasks
from threadbook.models import Deal, Mailbox, MailboxMessage, ThreadLabel
from threadbook.sync import lease

from ..support.sync import ago, connect, run_sync

LATER = datetime.datetime(2100, 1, 1)


@pytest.fixture
def app_settings(sync_settings):
    return sync_settings


@pytest.fixture
def rep(factory):
    return factory.user(factory.org(domain="acme.example"), email="rep@acme.example")


@pytest.fixture
def mailbox(app, google, rep):
    """A backfilled mailbox with a thread whose contact has an open deal: the round has work."""
    box = google.state.add_mailbox(rep.email)
    message = box.add_message(sender="Ada <ada@customer.example>", to=[rep.email], subject="Renewal", date=ago(days=1))
    mailbox = connect(app, google, rep)
    run_sync(app, mailbox.id)
    with app.app_context():
        database.connect(reuse_if_open=True)
        contact = crm.create_contact(rep.org_id, "Ada", ["ada@customer.example"])
        Deal.create(org=rep.org_id, name="Renewal", contact=contact, status="open")
        tasks.bind_app(app)
    queue.huey.storage.flush_schedule()
    mailbox.box, mailbox.thread_id = box, message["threadId"]
    yield mailbox
    queue.huey.storage.flush_schedule()


def scheduled():
    return [(task.name, task.args) for task in queue.huey.scheduled()]


def run_scheduled(app):
    """Run the tasks queued for later as a worker would once they are due."""
    with app.app_context():
        database.connect(reuse_if_open=True)
        return [queue.huey.execute(task, timestamp=LATER) for task in queue.huey.read_schedule(LATER)]


def deal_labels(app, rep):
    with app.app_context():
        database.connect(reuse_if_open=True)
        return list(ThreadLabel.select().where(ThreadLabel.user == rep.id))


def test_a_label_round_colliding_with_a_sync_still_runs_afterwards(app, google, rep, mailbox):
    mailbox.box.add_message(sender="Ada <ada@customer.example>", to=[rep.email], subject="Re: Renewal", thread_id=mailbox.thread_id, date=ago(minutes=3))
    during = []

    def round_fires_mid_sync(report):
        during.append(tasks.sort_labels_task.call_local(mailbox.id))  # the round fires while the sync holds the mailbox

    report = run_sync(app, mailbox.id, on_page=round_fires_mid_sync)

    assert report.outcome == "synced" and report.stored == 1
    assert [r["outcome"] for r in during] == ["busy"]
    assert deal_labels(app, rep) == []  # not yet…
    assert scheduled() == [("sort_labels_task", (mailbox.id, 1))]

    run_scheduled(app)

    [label] = deal_labels(app, rep)  # …but the round ran once the sync let go
    assert label.gmail_thread_id == mailbox.thread_id and label.label == "Threadbook/Open deals"
    assert scheduled() == []


def test_a_sync_colliding_with_the_label_round_runs_afterwards(app, google, rep, mailbox):
    new = mailbox.box.add_message(sender="Bo <bo@customer.example>", to=[rep.email], subject="Hello", date=ago(minutes=3))
    with app.app_context():
        database.connect(reuse_if_open=True)
        assert lease.acquire(mailbox.id, lease.new_owner_id("labels"), 300)

        assert tasks.sync_mailbox_task.call_local(mailbox.id)["outcome"] == "busy"
        assert scheduled() == [("sync_mailbox_task", (mailbox.id, 1))]
        Mailbox.update(lease_owner=None, lease_until=None).where(Mailbox.id == mailbox.id).execute()  # the round is done

    run_scheduled(app)

    with app.app_context():
        database.connect(reuse_if_open=True)
        assert Mailbox.get_by_id(mailbox.id).messages_synced == 2
        assert MailboxMessage.get_or_none(MailboxMessage.gmail_message_id == new["id"]) is not None


def test_the_same_kind_of_job_already_running_is_not_queued_again(app, mailbox):
    with app.app_context():
        database.connect(reuse_if_open=True)
        assert lease.acquire(mailbox.id, lease.new_owner_id("sync"), 300)

        assert tasks.sync_mailbox_task.call_local(mailbox.id)["outcome"] == "busy"

    assert scheduled() == []  # the sync holding the mailbox does this turn's work


def test_retries_are_bounded_and_the_last_is_logged(app, mailbox, caplog):
    caplog.set_level(logging.WARNING)
    with app.app_context():
        database.connect(reuse_if_open=True)
        assert lease.acquire(mailbox.id, lease.new_owner_id("sync"), 300)

        assert tasks.sort_labels_task.call_local(mailbox.id, len(tasks.BUSY_DELAYS) - 1)["outcome"] == "busy"
        assert scheduled() == [("sort_labels_task", (mailbox.id, len(tasks.BUSY_DELAYS)))]
        queue.huey.storage.flush_schedule()

        assert tasks.sort_labels_task.call_local(mailbox.id, len(tasks.BUSY_DELAYS))["outcome"] == "busy"

    assert scheduled() == []
    assert "gave up" in caplog.text


def test_a_reconciliation_colliding_with_a_sync_runs_afterwards(app, google, rep, mailbox):
    with app.app_context():
        database.connect(reuse_if_open=True)
        owner = lease.new_owner_id("sync")
        assert lease.acquire(mailbox.id, owner, 300)

        assert tasks.reconcile_mailbox_task.call_local(mailbox.id)["outcome"] == "busy"
        assert scheduled() == [("reconcile_mailbox_task", (mailbox.id, 1))]
        lease.release(mailbox.id, owner)

    run_scheduled(app)

    with app.app_context():
        database.connect(reuse_if_open=True)
        assert [r.outcome for r in Mailbox.get_by_id(mailbox.id).reconciliations] == ["reconciled"]
