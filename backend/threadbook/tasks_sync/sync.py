"""Sync one user's CRM tasks with their "Threadbook" list in Google Tasks.

A run (``sync_user``, every 30 minutes when due, or "Sync now"):

1. finds the list by its stored id, else by the title "Threadbook", else
   creates it; a stored list that Google no longer has was deleted by the user:
   the switch turns off with a sentence saying so (nothing is recreated);
2. reads back what changed in Google since the last run (``updatedMin``, with
   completed, hidden and deleted tasks): a task completed (or reopened), or
   its title, notes or due date edited, in Google is so in the CRM unless the
   CRM changed it later (convert.edited_fields);
   a task deleted in Google is marked ``google_deleted`` and never put back
   there (the CRM task stays);
3. pushes the user's tasks Google has not seen as they are (never pushed, or
   changed since ``google_pushed_at``: new ones inserted, others patched),
   and deletes the copies of tasks given to someone else.

Between runs each CRM write pushes its one task (``push_task``, queued). Rate
limits (429, 403 rateLimitExceeded) stop the run and set ``retry_after``,
doubling with each failure (30 s to 1 h, at least Google's Retry-After); until
then no call is made. A revoked grant or a missing scope turns the status to
``needs_reconnect``/``needs_scope``: no more calls until the user grants again.
"""

import dataclasses
import datetime
import logging

from threadbook import crypto
from threadbook.db import write_transaction
from threadbook.google import errors as google_errors
from threadbook.google.tasks import parse_time
from threadbook.jobs import queue
from threadbook.models import Organization, Task, User, utcnow
from threadbook.tasks_sync import due
from threadbook.tasks_sync import link as links
from threadbook.tasks_sync.client import tasks_client
from threadbook.tasks_sync.convert import LIST_TITLE, completion, copy_differs, edited_fields, google_body

log = logging.getLogger(__name__)

BACKOFF_BASE = datetime.timedelta(seconds=30)
BACKOFF_CAP = datetime.timedelta(hours=1)
# Read back from a little before the last run's start: clocks differ, re-reading a change is harmless.
READ_BACK_MARGIN = datetime.timedelta(minutes=2)


@dataclasses.dataclass
class Report:
    outcome: str = "ok"  # ok, skipped, rate_limited, needs_scope, needs_reconnect, list_deleted, failed
    completed_here: int = 0
    reopened_here: int = 0
    edited_here: int = 0  # title, notes or due date changed in Google, taken into the CRM
    deleted_in_google: int = 0
    pushed: int = 0
    removed: int = 0

    def as_dict(self):
        return dataclasses.asdict(self)


def _load(user_id):
    user = User.get_or_none(User.id == user_id)
    if user is None:
        return None, None, None
    return user, Organization.get_by_id(user.org_id), links.link_of(user)


def sync_user(user_id, now=None):
    """Run one sync for the user (if they may call Google); return a Report."""
    user, org, link = _load(user_id)
    if link is None or not due.may_call_google(link, user, org, now):
        return Report(outcome="skipped")
    started = utcnow()
    report = Report()
    try:
        client = tasks_client(link)
        list_id = _ensure_list(client, link, user)
        if list_id is None:
            report.outcome = "list_deleted"
            return report
        _read_back(client, link, user, report)
        _push_changed(client, link, user, report)
    except (google_errors.GoogleApiError, crypto.DecryptionFailed) as exc:
        report.outcome = _record_failure(link, exc)
        return report
    links.record_run(
        link, last_success_at=utcnow(), last_error=None, last_error_at=None, failures=0, retry_after=None, updated_min=(started - READ_BACK_MARGIN).isoformat()
    )
    return report


def _ensure_list(client, link, user):
    if link.list_id:
        try:
            client.get_list(link.list_id)
            return link.list_id
        except google_errors.NotFound:
            message = (
                "Your Threadbook list was deleted in Google Tasks, so Threadbook stopped putting tasks there; turn Google Tasks on again to make a new list."
            )
            links.record_run(link, enabled=False, status="off", list_id=None, updated_min=None, last_error=message, last_error_at=utcnow())
            _forget_copies(user)
            return None
    found = next((tl["id"] for tl in client.task_lists() if tl.get("title") == LIST_TITLE), None)
    list_id = found or client.insert_list(LIST_TITLE)["id"]
    links.save(link, list_id=list_id, updated_min=None)
    return list_id


def _forget_copies(user):
    with write_transaction():
        Task.update(google_task_id=None, google_etag=None, google_user=None, google_pushed_at=None, google_deleted=False).where(
            Task.google_user == user.id
        ).execute()


def _read_back(client, link, user, report):
    since = datetime.datetime.fromisoformat(link.updated_min) if link.updated_min else None
    for item in client.tasks(link.list_id, updated_min=since):
        task = Task.get_or_none((Task.google_user == user.id) & (Task.google_task_id == item.get("id")))
        if task is None:
            continue  # a task the user made in Google, in Threadbook's list: not the CRM's
        if item.get("deleted"):
            if not task.google_deleted:
                _save(task, google_deleted=True)
                report.deleted_in_google += 1
            continue
        changed_in_google = google_time(item) or datetime.datetime.min
        if changed_in_google < task.updated_at:
            continue  # the CRM changed it later: its push overwrites Google's copy
        now = utcnow()  # Google already holds what is taken from it: nothing to push back
        values = edited_fields(item, task)
        if values:
            report.edited_here += 1
        done, when = completion(item)
        if done != task.done:
            values.update(done=done, done_at=(when or now) if done else None)
            if done:
                report.completed_here += 1
            else:
                report.reopened_here += 1
        if values:
            _save(task, **values, updated_at=now, google_pushed_at=now, google_etag=item.get("etag"))
            if copy_differs(task, item):
                _save(task, google_pushed_at=None)  # the CRM kept its own value somewhere: this run's push puts it back


def google_time(item):
    return parse_time(item.get("updated"))


def _push_changed(client, link, user, report):
    gone = Task.select().where((Task.google_user == user.id) & ((Task.owner != user.id) | Task.owner.is_null()))
    for task in gone:
        _remove_copy(client, link, task)
        report.removed += 1
    never_pushed = Task.google_task_id.is_null() & (Task.done == False)  # noqa: E712
    changed = Task.google_task_id.is_null(False) & (Task.google_pushed_at.is_null() | (Task.updated_at > Task.google_pushed_at))
    query = Task.select().where((Task.owner == user.id) & (Task.google_deleted == False) & (never_pushed | changed))  # noqa: E712
    for task in query:
        if _push_one(client, link, task):
            report.pushed += 1


def _push_one(client, link, task):
    """Insert or patch the task's copy; return whether Google was written. A copy Google no longer has was deleted there."""
    if task.google_deleted:
        return False
    body = google_body(task)
    if task.google_task_id:
        try:
            answer = client.patch_task(link.list_id, task.google_task_id, body)
        except google_errors.NotFound:
            _save(task, google_deleted=True)
            return False
    else:
        if task.done:
            return False  # completed before it ever reached Google: nothing to add to the user's list
        answer = client.insert_task(link.list_id, {k: v for k, v in body.items() if v is not None})
    _save(task, google_user=link.user_id, google_task_id=answer["id"], google_etag=answer.get("etag"), google_pushed_at=utcnow())
    return True


def _remove_copy(client, link, task):
    try:
        if not task.google_deleted:
            client.delete_task(link.list_id, task.google_task_id)
    except (google_errors.NotFound, google_errors.Gone):
        pass
    _save(task, google_user=None, google_task_id=None, google_etag=None, google_pushed_at=None, google_deleted=False)


def _save(task, **values):
    with write_transaction():
        Task.update(**values).where(Task.id == task.id).execute()
    for name, value in values.items():
        setattr(task, name, value)


def _record_failure(link, exc):
    """Record what went wrong in words the user can act on; return the outcome."""
    now = utcnow()
    if isinstance(exc, google_errors.RateLimited):
        failures = link.failures + 1
        wait = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (failures - 1))
        wait = max(wait, datetime.timedelta(seconds=exc.retry_after or 0))
        message = f"Google Tasks asked Threadbook to slow down; it tries again after {(now + wait).strftime('%H:%M')} UTC."
        links.record_run(link, failures=failures, retry_after=now + wait, last_error=message, last_error_at=now)
        return "rate_limited"
    if isinstance(exc, google_errors.InsufficientScope):
        links.record_run(link, status="needs_scope", last_error="Threadbook may no longer use your Google Tasks: allow access again.", last_error_at=now)
        return "needs_scope"
    if isinstance(exc, (google_errors.ReauthRequired, crypto.DecryptionFailed)):
        links.record_run(
            link,
            status="needs_reconnect",
            last_error="Google no longer accepts Threadbook's access to your tasks: turn Google Tasks on again.",
            last_error_at=now,
        )
        return "needs_reconnect"
    log.warning("Google Tasks sync of user %s failed: %s", link.user_id, exc)
    links.record_run(
        link,
        failures=link.failures + 1,
        last_error=f"Google Tasks did not answer as expected ({exc.status or 'unreachable'}); Threadbook tries again later.",
        last_error_at=now,
    )
    return "failed"


def push_task(task_id):
    """Put one changed CRM task in its owner's Google Tasks (and take it out of a previous owner's); return what was done."""
    task = Task.get_or_none(Task.id == task_id)
    if task is None:
        return "gone"
    if task.google_user_id and task.google_user_id != task.owner_id:
        _with_link(task.google_user_id, lambda client, link: _remove_copy(client, link, task))
    if task.owner_id is None:
        return "no_owner"
    return _with_link(task.owner_id, lambda client, link: _push_one(client, link, task) and "pushed")


def delete_copy(user_id, google_task_id):
    """Delete a deleted CRM task's copy from the user's list."""

    def delete(client, link):
        try:
            client.delete_task(link.list_id, google_task_id)
        except (google_errors.NotFound, google_errors.Gone):
            pass
        return "deleted"

    return _with_link(user_id, delete)


def _with_link(user_id, action):
    """Run ``action(client, link)`` when the user's switch is on, they may call Google and their list is known; else skip."""
    user, org, link = _load(user_id)
    if link is None or not link.list_id or not due.may_call_google(link, user, org):
        return "skipped"  # the next run pushes it (or the switch is off: nothing goes to Google)
    try:
        return action(tasks_client(link), link) or "unchanged"
    except (google_errors.GoogleApiError, crypto.DecryptionFailed) as exc:
        return _record_failure(link, exc)


def request_sync(user):
    """ "Sync now": queue a run for the user (it still makes no call while they may not call Google)."""
    queue.enqueue("sync_google_tasks", user.id)
