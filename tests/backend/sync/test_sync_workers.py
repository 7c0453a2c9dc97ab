"""Several workers: the lease keeps one mailbox in one worker, and a worker killed mid-sync loses nothing."""

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from threadbook.db import database
from threadbook.models import Email, Mailbox, MailboxMessage, utcnow
from threadbook.sync import lease

from ..support.sync import ago, connect, mailbox_row, run_sync

WORKER_SCRIPT = """
import json, sys
from threadbook import create_app
from threadbook.db import database
from threadbook.sync.mailbox_sync import SyncSettings, sync_mailbox

settings, mailbox_id = json.loads(sys.argv[1]), int(sys.argv[2])
app = create_app(settings)
with app.app_context():
    database.connect()
    sync_mailbox(mailbox_id, settings=SyncSettings.from_config(app.config, page_size=5, batch_size=5), owner="doomed-worker")
"""


@pytest.fixture
def rep(factory):
    org = factory.org(domain="acme.example")
    return factory.user(org, email="rep@acme.example")


def add_mail(google, rep, n):
    box = google.state.add_mailbox(rep.email)
    return [box.add_message(sender=f"C{i} <c{i}@customer.example>", to=[rep.email], date=ago(hours=1, minutes=i))["id"] for i in range(n)]


def counts(app, user):
    with app.app_context():
        database.connect(reuse_if_open=True)
        mailbox = Mailbox.get(Mailbox.user == user.id)
        copies = MailboxMessage.select().where(MailboxMessage.user == user.id).count()
        distinct = MailboxMessage.select(MailboxMessage.gmail_message_id).where(MailboxMessage.user == user.id).distinct().count()
        return mailbox.messages_synced, copies, distinct, Email.select().count()


def test_only_one_of_many_racers_takes_the_lease(app, rep, google):
    mailbox = connect(app, google, rep)
    barrier = threading.Barrier(8)
    wins = []

    def race(n):
        with app.app_context():
            database.connect(reuse_if_open=True)
            barrier.wait()
            if lease.acquire(mailbox.id, f"worker-{n}", 60):
                wins.append(n)
            database.close()

    threads = [threading.Thread(target=race, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert len(wins) == 1
    assert mailbox_row(app, mailbox.id).lease_owner == f"worker-{wins[0]}"


def test_an_expired_lease_can_be_taken_and_the_old_holder_cannot_save(app, rep, google):
    mailbox = connect(app, google, rep)
    with app.app_context():
        database.connect(reuse_if_open=True)
        assert lease.acquire(mailbox.id, "slow", 60)
        assert not lease.acquire(mailbox.id, "other", 60)
        Mailbox.update(lease_until=utcnow()).execute()  # time passes: the lease runs out
        assert lease.acquire(mailbox.id, "other", 60)
        with pytest.raises(lease.LeaseLost):
            lease.renew(mailbox.id, "slow", 60, history_id="999")
        assert Mailbox.get_by_id(mailbox.id).history_id is None


def test_two_workers_never_sync_one_mailbox_at_once(app, rep, google):
    ids = add_mail(google, rep, 12)
    mailbox = connect(app, google, rep)
    google.state.delay_seconds = 0.02  # widen the window in which both run
    barrier = threading.Barrier(2)
    reports = {}

    def worker(name):
        barrier.wait()
        reports[name] = run_sync(app, mailbox.id, owner=name, page_size=4)

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(r.outcome for r in reports.values()) == ["busy", "synced"]
    listings = [path for path in google.state.calls_to("GET") if path.endswith("/messages")]
    assert len(listings) == 3  # three pages, listed once
    assert counts(app, rep) == (12, 12, 12, 12)
    assert len(ids) == 12


def test_a_worker_killed_mid_sync_loses_and_duplicates_nothing(app, rep, google, database_url):
    ids = add_mail(google, rep, 40)
    mailbox = connect(app, google, rep)
    google.state.delay_seconds = 0.03  # each page takes a while, so the kill lands inside one
    settings = {k: v for k, v in app.config.items() if k in _CHILD_SETTINGS}
    env = {**os.environ, "THREADBOOK_INSTANCE_PATH": app.instance_path}
    child = subprocess.Popen([sys.executable, "-c", WORKER_SCRIPT, json.dumps(settings), str(mailbox.id)], env=env)
    try:
        deadline = time.monotonic() + 30
        while counts(app, rep)[0] < 10:  # two pages committed
            assert child.poll() is None, "the worker finished before it could be killed"
            assert time.monotonic() < deadline, "the worker made no progress"
            time.sleep(0.01)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    google.state.delay_seconds = 0

    synced, copies, distinct, _ = counts(app, rep)
    assert synced == copies == distinct < 40  # progress was committed with exactly the messages it counts
    row = mailbox_row(app, mailbox.id)
    assert row.lease_owner == "doomed-worker" and not row.backfill_done
    assert run_sync(app, mailbox.id).outcome == "busy"  # the dead worker's lease still stands...
    with app.app_context():
        database.connect(reuse_if_open=True)
        Mailbox.update(lease_until=utcnow()).execute()  # ...until it runs out

    report = run_sync(app, mailbox.id)

    assert report.outcome == "synced"
    assert counts(app, rep) == (40, 40, 40, 40)
    with app.app_context():
        database.connect(reuse_if_open=True)
        assert sorted(m.gmail_message_id for m in MailboxMessage.select()) == sorted(ids)


_CHILD_SETTINGS = (
    "DATABASE_URL",
    "SECRET_KEY",
    "GOOGLE_API_ROOT",
    "GOOGLE_TOKEN_URI",
    "GOOGLE_REVOKE_URI",
    "GOOGLE_CLIENT_IDS",
    "GOOGLE_CLIENT_SECRET",
    "ENCRYPTION_KEY",
    "SYNC_QUOTA_UNITS_PER_SECOND",
)
