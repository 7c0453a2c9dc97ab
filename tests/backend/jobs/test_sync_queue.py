"""The task queue: storage from configuration, the periodic schedule, fan-out, and a real worker process."""

import datetime
import os
import signal
import subprocess
import sys
import time

import pytest

from threadbook.db import database
from threadbook.jobs import queue, tasks
from threadbook.models import Mailbox, Organization, User

from ...fakes.google_oauth import CLIENT_ID, CLIENT_SECRET
from ..support.sync import ago, connect, mailbox_row


@pytest.fixture
def app_settings(sync_settings):
    return sync_settings


class FakeApp:
    def __init__(self, instance_path, **config):
        self.instance_path = str(instance_path)
        self.config = config


def test_storage_follows_the_configuration(tmp_path):
    try:
        queue.configure(FakeApp(tmp_path))
        assert queue.storage_kind() == "sqlite" and not queue.huey.immediate
        assert (tmp_path / queue.QUEUE_FILE).exists()

        queue.configure(FakeApp(tmp_path, REDIS_URL="redis://127.0.0.1:1/0"))
        assert queue.storage_kind() == "redis"  # connects lazily, so no server is needed to choose it

        queue.configure(FakeApp(tmp_path, QUEUE_IMMEDIATE=True))
        assert queue.storage_kind() == "memory" and queue.huey.immediate
    finally:
        queue.configure(FakeApp(tmp_path, QUEUE_IMMEDIATE=True))


@pytest.mark.parametrize(
    "minute, expected",
    [(0, {"schedule_syncs", "schedule_label_sorting"}), (5, {"schedule_syncs"}), (20, {"schedule_syncs", "schedule_label_sorting"}), (7, set())],
)
def test_periodic_schedule(minute, expected):
    when = datetime.datetime(2026, 3, 14, 9, minute)
    mail_tasks = {"schedule_syncs", "schedule_label_sorting"}  # other modules schedule their own too
    assert {task.name for task in queue.huey.read_periodic(when)} & mail_tasks == expected


@pytest.fixture
def org(factory):
    return factory.org(domain="acme.example")


def test_schedule_syncs_fans_out_to_mailboxes_that_may_sync(app, google, factory, org):
    users = {name: factory.user(org, email=f"{name}@acme.example") for name in ("active", "paused", "broken", "gone")}
    for user in users.values():
        google.state.add_mailbox(user.email).add_message(sender="B <b@customer.example>", to=[user.email], date=ago(days=1))
        connect(app, google, user)
    other_org = factory.org(domain="off.example", sync_enabled=False)
    off = factory.user(other_org, email="x@off.example")
    connect(app, google, off)
    with app.app_context():
        database.connect(reuse_if_open=True)
        User.update(sync_paused=True).where(User.id == users["paused"].id).execute()
        Mailbox.update(status="needs_reconnect").where(Mailbox.user == users["broken"].id).execute()
        Mailbox.update(status="disconnected").where(Mailbox.user == users["gone"].id).execute()
        queue.configure(app)
        due = tasks.schedule_syncs.call_local()

    assert due == 1
    synced = {u: mailbox_row(app, Mailbox.get(Mailbox.user == u.id).id).messages_synced for u in [*users.values(), off]}
    assert synced[users["active"]] == 1
    assert sum(synced.values()) == 1


def test_members_of_a_service_account_org_get_mailboxes(app, factory, org):
    member = factory.user(org, email="new@acme.example")
    with app.app_context():
        database.connect(reuse_if_open=True)
        Organization.update(service_account_key="encrypted").where(Organization.id == org.id).execute()
        from threadbook.sync.due import mailboxes_due

        due = mailboxes_due()
        mailbox = Mailbox.get(Mailbox.user == member.id)
    assert mailbox.kind == "service_account" and mailbox.id in due


@pytest.fixture
def sqlite_only(database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("one engine is enough to show the worker process")


def test_threadbook_worker_runs_queued_syncs(sqlite_only, app, google, factory, org, tmp_path):
    rep = factory.user(org, email="rep@acme.example")
    box = google.state.add_mailbox(rep.email)
    for i in range(3):
        box.add_message(sender=f"B{i} <b{i}@customer.example>", to=[rep.email], date=ago(hours=i + 1))
    mailbox = connect(app, google, rep)
    instance = tmp_path / "worker-instance"
    env = {
        **os.environ,
        "THREADBOOK_INSTANCE_PATH": str(instance),
        "THREADBOOK_DATABASE_URL": app.config["DATABASE_URL"],
        "THREADBOOK_SECRET_KEY": app.config["SECRET_KEY"],
        "THREADBOOK_ENCRYPTION_KEY": app.config["ENCRYPTION_KEY"],
        "GOOGLE_API_ROOT": app.config["GOOGLE_API_ROOT"],
        "GOOGLE_TOKEN_URI": app.config["GOOGLE_TOKEN_URI"],
        "GOOGLE_CLIENT_ID": CLIENT_ID,
        "GOOGLE_CLIENT_SECRET": CLIENT_SECRET,
    }
    env.pop("THREADBOOK_QUEUE_IMMEDIATE", None)
    worker = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "threadbook"), "worker", "-w", "1", "--no-periodic"], env=env)
    try:
        app.config["QUEUE_IMMEDIATE"] = False
        app.instance_path = str(instance)  # the same queue file as the worker
        with app.app_context():
            tasks.enqueue_sync(mailbox.id)
        deadline = time.monotonic() + 30
        while mailbox_row(app, mailbox.id).messages_synced < 3:
            assert worker.poll() is None, "the worker exited"
            assert time.monotonic() < deadline, "the worker did not run the sync"
            time.sleep(0.05)
    finally:
        worker.send_signal(signal.SIGINT)  # graceful stop, as Ctrl-C
        try:
            assert worker.wait(timeout=15) == 0
        finally:
            if worker.poll() is None:
                worker.kill()
        queue.configure(FakeApp(tmp_path, QUEUE_IMMEDIATE=True))
    assert mailbox_row(app, mailbox.id).backfill_done
