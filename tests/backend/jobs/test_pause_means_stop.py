"""Pausing and disabling mean stop: over a whole scheduler cycle, no Google call of any kind for a paused user or a disabled organisation.

Each person has work waiting for every periodic job — new mail (sync), a thread
whose deal label must move (the label round), a Blueberry event (calendar), a
reply in a thread sent from the CRM (tracked threads) — and the fakes count
every call by the account whose token made it: Gmail (batches and their parts),
Calendar, and the token endpoint (refreshes). A colleague who is not paused
shows that the same cycle does call Google for them.
"""

import datetime

import pytest

from threadbook.crm import store as crm
from threadbook.db import database
from threadbook.jobs import queue, tasks
from threadbook.models import Deal, Email, Mailbox, Meeting, Organization, ThreadLabel, TrackedThread, User
from threadbook.sync.labels import sort_mailbox_labels

from ..support.sync import ago

EVERY_JOB_DUE = datetime.datetime(2026, 3, 14, 9, 0)  # minute 0: every periodic task is due


@pytest.fixture
def app_settings(workspace_settings):
    return workspace_settings


def periodic_tasks():
    return queue.huey.read_periodic(EVERY_JOB_DUE)


def run_cycle(app):
    """Run every periodic task once, as a worker would at minute 0 (fanned-out tasks run at once: the queue is immediate)."""
    with app.app_context():
        database.connect(reuse_if_open=True)
        tasks.bind_app(app)
        return {task.name: task.execute() for task in periodic_tasks()}


@pytest.fixture
def people(app, factory, workspace, db):
    """Three people, each with work for every job: ``active`` (control), ``paused``, and ``off`` (organisation disabled)."""
    acme = factory.org(domain="acme.example")
    off_org = factory.org(domain="off.example")
    users = {
        "active": factory.user(acme, email="active@acme.example"),
        "paused": factory.user(acme, email="paused@acme.example"),
        "off": factory.user(off_org, email="off@off.example"),
    }
    for name, user in users.items():
        box = workspace.gmail.add_mailbox(user.email)
        first = box.add_message(sender=f"Ada <ada.{name}@customer.example>", to=[user.email], subject="Renewal", date=ago(days=2))
        workspace.connect(app, user)
        contact = crm.create_contact(user.org_id, "Ada", [f"ada.{name}@customer.example"])
        Deal.create(org=user.org_id, name="Renewal", contact=contact, status="open")
        TrackedThread.create(org=user.org_id, user=user.id, gmail_thread_id=first["threadId"])
        user.first_thread = first["threadId"]
    run_cycle(app)  # everyone active: backfilled, sorted, tracked, calendar listed
    assert all(ThreadLabel.select().where(ThreadLabel.user == u.id).exists() for u in users.values())
    # New work for every job.
    start = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)
    for name, user in users.items():
        box = workspace.gmail.mailbox(user.email)
        box.add_message(sender=f"Bo <bo.{name}@customer.example>", to=[user.email], subject="New", date=ago(minutes=5))
        box.add_message(sender=f"Ada <ada.{name}@customer.example>", to=[user.email], subject="Re: Renewal", thread_id=user.first_thread, date=ago(minutes=4))
        workspace.calendar.calendar(user.email).add_event("Demo", start, start + datetime.timedelta(hours=1), color_id="9")
        Deal.update(status="won").where(Deal.org == user.org_id).execute()  # the round must move the thread
    User.update(sync_paused=True).where(User.id == users["paused"].id).execute()
    Organization.update(sync_enabled=False).where(Organization.id == off_org.id).execute()
    return users


def google_calls(workspace, user):
    return {
        "gmail": workspace.gmail.calls_for(user.email),
        "calendar": workspace.calendar.calls_for(user.email),
        "token": workspace.oauth.calls_for(user.email),
    }


def reset(workspace):
    workspace.gmail.reset_counters()
    workspace.calendar.account_calls.clear()
    workspace.oauth.account_calls.clear()


def test_a_whole_scheduler_cycle_calls_google_for_nobody_paused_or_disabled(app, workspace, people, db):
    reset(workspace)

    ran = run_cycle(app)

    assert set(ran) == {
        "schedule_syncs",
        "schedule_label_sorting",
        "schedule_calendar_syncs",
        "schedule_tracked_thread_checks",
        "schedule_reconciliations",
        "schedule_google_tasks_syncs",
        "schedule_google_contacts",
    }
    assert google_calls(workspace, people["paused"]) == {"gmail": [], "calendar": [], "token": []}
    assert google_calls(workspace, people["off"]) == {"gmail": [], "calendar": [], "token": []}
    # The same cycle did every job for the colleague who is not paused.
    active = google_calls(workspace, people["active"])
    paths = " ".join(path for _, path in active["gmail"])
    assert "/history" in paths and "/modify" in paths and "/threads/" in paths
    assert active["calendar"] and active["token"]
    with app.app_context():
        database.connect(reuse_if_open=True)
        assert Meeting.select().where(Meeting.owner == people["active"].id).count() == 1
        assert Meeting.select().where(Meeting.owner != people["active"].id).count() == 0
        assert Email.select().where(Email.owner == people["paused"].id).count() == 1  # only the first sync's


def test_tasks_queued_before_the_pause_make_no_call_either(app, workspace, people, db):
    reset(workspace)
    with app.app_context():
        database.connect(reuse_if_open=True)
        tasks.bind_app(app)
        for name in ("paused", "off"):
            user = people[name]
            mailbox_id = Mailbox.get(Mailbox.user == user.id).id
            assert tasks.sync_mailbox_task.call_local(mailbox_id)["outcome"] in ("paused", "disabled")
            assert tasks.sort_labels_task.call_local(mailbox_id)["outcome"] == "inactive"
            assert tasks.reconcile_mailbox_task.call_local(mailbox_id)["outcome"] in ("paused", "disabled")
            assert tasks.sync_calendar_task.call_local(mailbox_id)["outcome"] in ("paused", "disabled")
            assert tasks.check_tracked_threads_task.call_local(user.id)["outcome"] in ("paused", "disabled")
            assert sort_mailbox_labels(mailbox_id)["outcome"] == "inactive"

    for name in ("paused", "off"):
        assert google_calls(workspace, people[name]) == {"gmail": [], "calendar": [], "token": []}
