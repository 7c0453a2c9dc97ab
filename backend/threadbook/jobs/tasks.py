"""Huey tasks for mail sync, label sorting and reconciliation, and the periodic schedule that fans them out.

Every few minutes ``schedule_syncs`` enqueues one ``sync_mailbox_task`` per
mailbox that may sync; every 10 minutes ``schedule_label_sorting`` does the
same for label sorting; every hour ``schedule_reconciliations`` queues the
mailboxes not reconciled in the last day (sync/reconcile.py). Fanning out lets
several workers share the mailboxes; the lease keeps any one mailbox in one
worker at a time.

No job silently skips another's turn: a task that finds its mailbox leased by
a *different* kind of job (the label round while a sync runs, a sync while the
round runs…) queues itself again a little later (``BUSY_DELAYS``, bounded);
one that finds the same kind of job already running returns, as that run does
its work.

A task needs the Flask app (configuration, database binding): the entry points
(``threadbook worker``, ``threadbook.consumer``) bind it with ``bind_app``.
"""

import contextlib
import logging

from flask import current_app, has_app_context
from huey import crontab

from threadbook.calendar.sync import calendar_mailboxes_due, sync_calendar_mailbox
from threadbook.contacts_sync import due as contacts_due
from threadbook.contacts_sync import run as contacts_run
from threadbook.crm import import_jobs
from threadbook.db import database
from threadbook.identity import sync_schedules
from threadbook.jobs import queue
from threadbook.jobs.queue import huey
from threadbook.mail.sending import check_tracked_threads_of, users_with_tracked_threads
from threadbook.sync import lease, readdress
from threadbook.sync.due import mailboxes_due, record_mail_run
from threadbook.sync.imap.due import accounts_due as imap_accounts_due
from threadbook.sync.imap.sync import sync_account as sync_imap_account
from threadbook.sync.labels import sort_mailbox_labels
from threadbook.sync.mailbox_sync import sync_mailbox
from threadbook.sync.push import PushSettings, synced_past
from threadbook.sync.reconcile import reconcile_mailbox, reconciliations_due
from threadbook.sync.watch import renew_watch, watches_due
from threadbook.tasks_sync import due as tasks_due
from threadbook.tasks_sync import sync as tasks_sync

log = logging.getLogger(__name__)

SYNC_EVERY = crontab(minute="*/5")
LABELS_EVERY = crontab(minute="*/10")
RECONCILE_EVERY = crontab(minute="0")  # hourly; each mailbox is due once a day
# Seconds before a task that found its mailbox busy with another kind of job tries again (then it gives up, logged).
BUSY_DELAYS = (30, 60, 120, 240, 480, 900)

_app = None


def bind_app(app):
    """Run tasks against ``app`` and point the queue at its storage."""
    global _app
    _app = app
    queue.configure(app)


def task_app():
    if has_app_context():
        return current_app._get_current_object()
    if _app is None:
        # The entry points bind the app (threadbook worker, threadbook.consumer); jobs never build one.
        raise RuntimeError("No app is bound to the task queue: run tasks through `threadbook worker` or threadbook.consumer.")
    return _app


@contextlib.contextmanager
def task_context():
    """Give a task an app context and a database connection (closed after, if it opened one)."""
    app = task_app()
    with app.app_context():
        opened = database.is_closed()
        if opened:
            database.connect()
        try:
            yield app
        finally:
            if opened and not database.is_closed():
                database.close()


def enqueue_sync(mailbox_id, app=None):
    """Queue a sync of one mailbox now (e.g. after connecting, or "sync now")."""
    queue.enqueue("sync_mailbox", mailbox_id, app=app)


def again_if_busy(name, kind, mailbox_id, outcome, attempt):
    """Queue ``name`` again later when another kind of job held the mailbox; return whether it was queued.

    Called inside the task's app context, right after the run found the lease taken.
    """
    if outcome != "busy":
        return False
    holder = lease.holder_kind(mailbox_id)
    if holder == kind:
        return False  # the same job is running for this mailbox: it does this turn's work
    if attempt >= len(BUSY_DELAYS):
        log.warning("mailbox %s: %s gave up after %d tries (lease held by %s)", mailbox_id, name, attempt + 1, holder)
        return False
    queue.enqueue_later(name, mailbox_id, attempt + 1, delay=BUSY_DELAYS[attempt])
    log.info("mailbox %s: %s found the mailbox busy (%s); again in %ss", mailbox_id, name, holder, BUSY_DELAYS[attempt])
    return True


@huey.task()
def sync_mailbox_task(mailbox_id, attempt=0):
    with task_context():
        report = sync_mailbox(mailbox_id)
        record_mail_run(mailbox_id)  # the user's mail schedule counts from here (identity/sync_schedules.py)
        log.info("mailbox %s: %s", mailbox_id, report.summary())
        again_if_busy("sync_mailbox", "sync", mailbox_id, report.outcome, attempt)
        return report.as_dict()


@huey.task()
def sort_labels_task(mailbox_id, attempt=0):
    with task_context():
        result = sort_mailbox_labels(mailbox_id)
        again_if_busy("sort_labels", "labels", mailbox_id, result["outcome"], attempt)
        return result


@huey.task()
def reconcile_mailbox_task(mailbox_id, attempt=0):
    with task_context():
        report = reconcile_mailbox(mailbox_id)
        if report.missing:
            log.warning("mailbox %s: reconciliation found %d missing message(s), stored %d", mailbox_id, report.missing, report.stored)
        again_if_busy("reconcile_mailbox", "reconcile", mailbox_id, report.outcome, attempt)
        return report.as_dict()


@huey.periodic_task(SYNC_EVERY)
def schedule_syncs():
    with task_context() as app:
        # Due by their user's mail schedule; those Gmail pushes for, hourly at most (sync/watch.py).
        ids = mailboxes_due(by_schedule=True, pushed_ones_hourly=PushSettings.from_config(app.config).enabled)
    for mailbox_id in ids:
        sync_mailbox_task(mailbox_id)
    return len(ids)


@huey.periodic_task(LABELS_EVERY)
def schedule_label_sorting():
    with task_context():
        ids = mailboxes_due(backfilled_only=True)
    for mailbox_id in ids:
        sort_labels_task(mailbox_id)
    return len(ids)


@huey.periodic_task(RECONCILE_EVERY)
def schedule_reconciliations():
    with task_context():
        ids = reconciliations_due()
    for mailbox_id in ids:
        reconcile_mailbox_task(mailbox_id)
    return len(ids)


# -- Gmail push (sync/push.py, sync/watch.py) -------------------------------------------
WATCHES_EVERY = crontab(minute="7")  # hourly; each watch is renewed once a day
# Seconds before a pushed sync that found the mailbox busy looks again: the running sync may have read history before this change.
PUSH_BUSY_DELAYS = (2, 5, 15, 30, 60)


@huey.task()
def push_sync_task(mailbox_id, history_id, attempt=0):
    """Sync a mailbox Gmail pushed a change for; if another sync holds it, look again until that change is in."""
    with task_context():
        if synced_past(mailbox_id, history_id):
            return {"outcome": "already_synced"}
        report = sync_mailbox(mailbox_id)
        if report.outcome == "busy" and attempt < len(PUSH_BUSY_DELAYS) and not synced_past(mailbox_id, history_id):
            queue.enqueue_later("push_sync", mailbox_id, history_id, attempt + 1, delay=PUSH_BUSY_DELAYS[attempt])
        return report.as_dict()


@huey.task()
def renew_watch_task(mailbox_id):
    with task_context():
        return renew_watch(mailbox_id)


@huey.periodic_task(WATCHES_EVERY)
def schedule_watch_renewals():
    with task_context():
        ids = watches_due()
    for mailbox_id in ids:
        renew_watch_task(mailbox_id)
    return len(ids)


# -- calendar sync and tracked threads (calendar/sync.py, mail/sending.py) ---------------
CALENDAR_EVERY = crontab(minute="*/5")
TRACKED_THREADS_EVERY = crontab(minute="*/10")


@huey.task()
def sync_calendar_task(mailbox_id):
    with task_context():
        report = sync_calendar_mailbox(mailbox_id)
        if report is not None:
            log.info("calendar of mailbox %s: %s (%s)", mailbox_id, report.outcome, report.mode)
            return report.as_dict()
        return None


@huey.periodic_task(CALENDAR_EVERY)
def schedule_calendar_syncs():
    with task_context():
        ids = calendar_mailboxes_due()
    for mailbox_id in ids:
        sync_calendar_task(mailbox_id)
    return len(ids)


@huey.task()
def check_tracked_threads_task(user_id):
    with task_context():
        report = check_tracked_threads_of(user_id)
        return report.as_dict() if report is not None else None


@huey.periodic_task(TRACKED_THREADS_EVERY)
def schedule_tracked_thread_checks():
    """Log replies in threads sent from the CRM, for users whose stored credentials can read them."""
    with task_context():
        ids = users_with_tracked_threads()
    for user_id in ids:
        check_tracked_threads_task(user_id)
    return len(ids)


# -- contact imports started from the API (crm/import_jobs.py) ----------------------------


@huey.task()
def import_contacts_task(import_id):
    with task_context():
        return import_jobs.run(import_id)


# -- CRM tasks in Google Tasks (tasks_sync/): each user's run when due, each change pushed ----
GOOGLE_TASKS_EVERY = crontab(minute="*/5")  # who is due is tasks_sync.due.is_due's (their tasks schedule)


@huey.task()
def sync_google_tasks_task(user_id):
    with task_context():
        report = tasks_sync.sync_user(user_id).as_dict()
        sync_schedules.record_run(user_id, "tasks")  # the next is due an interval of the user's schedule later
        return report


@huey.task()
def push_google_task_task(task_id):
    with task_context():
        return tasks_sync.push_task(task_id)


@huey.task()
def delete_google_task_task(user_id, google_task_id):
    with task_context():
        return tasks_sync.delete_copy(user_id, google_task_id)


@huey.periodic_task(GOOGLE_TASKS_EVERY)
def schedule_google_tasks_syncs():
    with task_context():
        ids = tasks_due.users_due()
    for user_id in ids:
        sync_google_tasks_task(user_id)
    return len(ids)


# -- copying CRM contacts to Google Contacts (contacts_sync/) -------------------------------
GOOGLE_CONTACTS_EVERY = crontab(minute="*/5")  # each user is due by contacts_sync.due.is_due (their contacts schedule)


@huey.task()
def sync_google_contacts_task(user_id):
    with task_context():
        report = contacts_run.sync_user(user_id).as_dict()
        sync_schedules.record_run(user_id, "contacts")
        return report


@huey.periodic_task(GOOGLE_CONTACTS_EVERY)
def schedule_google_contacts():
    with task_context():
        ids = contacts_due.users_due()
    for user_id in ids:
        sync_google_contacts_task(user_id)
    return len(ids)


# -- IMAP accounts (sync/imap/): each runs when due (sync/imap/due.py), checked every few minutes ---------
IMAP_EVERY = crontab(minute="*/5")


@huey.task()
def sync_imap_account_task(account_id):
    with task_context():
        report = sync_imap_account(account_id)
        log.info("IMAP account %s: %s, %d stored, %d matched", account_id, report.outcome, report.stored, report.matched)
        return report.as_dict()


@huey.periodic_task(IMAP_EVERY)
def schedule_imap_syncs():
    with task_context() as app:
        ids = imap_accounts_due(interval_minutes=app.config.get("IMAP_SYNC_MINUTES", 10))
    for account_id in ids:
        sync_imap_account_task(account_id)
    return len(ids)


# -- grants a mailbox change could not revoke at Google (sync/readdress.py) ----------------


@huey.periodic_task(crontab(minute="30"))
def retry_pending_revocations():
    with task_context():
        return readdress.retry_pending_revocations()


# The names domain code queues work by (jobs.queue.enqueue).
queue.register("sync_mailbox", sync_mailbox_task)
queue.register("sort_labels", sort_labels_task)
queue.register("reconcile_mailbox", reconcile_mailbox_task)
queue.register("sync_calendar", sync_calendar_task)
queue.register("check_tracked_threads", check_tracked_threads_task)
queue.register("import_contacts", import_contacts_task)
queue.register("sync_google_tasks", sync_google_tasks_task)
queue.register("push_google_task", push_google_task_task)
queue.register("delete_google_task", delete_google_task_task)
queue.register("sync_google_contacts", sync_google_contacts_task)
queue.register("sync_imap_account", sync_imap_account_task)
queue.register("push_sync", push_sync_task)
queue.register("renew_watch", renew_watch_task)
