"""CRM tasks: who sees which, and the writes (create, change, complete, delete) under the record rules.

Seeing: everyone in the organisation sees a task linked to a contact, lead or
deal (they see that record); a task linked to nothing is its owner's and its
creator's (and an administrator's). Changing and deleting: the task's owner or
an administrator (identity/access.py), a member may take an unowned task;
giving it to someone else is a reassignment, audited (crm/ownership.py).

Every write tells Google Tasks through the job queue (``push_google_task``,
``delete_google_task``, tasks_sync/): the request never waits on Google.
"""

import logging

from peewee import fn

from threadbook import audit
from threadbook.crm import ownership
from threadbook.crm.errors import NotAllowed
from threadbook.crm.records import get_in_org
from threadbook.db import write_transaction
from threadbook.errors import not_found
from threadbook.identity import access
from threadbook.jobs import queue
from threadbook.models import Task, utcnow
from threadbook.models.tasks import TITLE_MAX_LENGTH

log = logging.getLogger(__name__)

STATUSES = ("open", "done", "all")
FIELDS = ("title", "notes", "due_date", "due_time", "contact", "lead", "deal", "owner", "done")
MAX_TITLE = TITLE_MAX_LENGTH
MAX_NOTES = 8000


def visible(user):
    """Return a condition on Task: the tasks of the user's organisation the user may see."""
    mine = (Task.owner == user.id) | (Task.created_by == user.id)
    linked = Task.contact.is_null(False) | Task.lead.is_null(False) | Task.deal.is_null(False)
    condition = Task.org == user.org_id
    return condition if access.is_admin(user) else condition & (mine | linked)


def get_visible(user, task_id):
    """The task, or 404 when it is not in the organisation or not the user's to see."""
    task = get_in_org(Task, task_id, user.org_id, "task")
    if not Task.select(Task.id).where((Task.id == task.id) & visible(user)).exists():
        raise not_found("task")  # another person's private task: as if it were not there
    return task


def tasks_matching(user, owner_id=None, status="open", due_before=None, contact_id=None, lead_id=None, deal_id=None):
    """The tasks the user sees, filtered; open ones first, soonest due first (undated last)."""
    query = Task.select().where(visible(user))
    if owner_id is not None:
        query = query.where(Task.owner == owner_id)
    if status == "open":
        query = query.where(Task.done == False)  # noqa: E712 (peewee builds SQL from ==)
    elif status == "done":
        query = query.where(Task.done == True)  # noqa: E712
    if due_before is not None:
        query = query.where(Task.due_date < due_before)
    for column, value in ((Task.contact, contact_id), (Task.lead, lead_id), (Task.deal, deal_id)):
        if value is not None:
            query = query.where(column == value)
    return query.order_by(Task.done, fn.COALESCE(Task.due_date, "9999-12-31"), Task.due_time, Task.id)


def create(user, fields):
    """Create a task from checked ``fields`` (ids of the organisation's records); the owner defaults to the user."""
    values = {k: v for k, v in fields.items() if k in FIELDS}
    values.setdefault("owner", user.id)
    if values.get("done"):
        values["done_at"] = utcnow()
    with write_transaction():
        task = Task.create(org=user.org_id, created_by=user.id, **values)
    _push(task)
    return task


def update(user, task_id, fields):
    """Change a task (its owner or an administrator); completing it stamps ``done_at``; return it."""
    with write_transaction():
        task = get_in_org(Task, task_id, user.org_id, "task", lock=True)
        if not _may_change(user, task, fields):
            raise NotAllowed("Only the task's owner or an administrator can change it.")
        ownership.change_owner(user, task, fields)
        values = {k: v for k, v in fields.items() if k in FIELDS}
        if "done" in values and values["done"] != task.done:
            values["done_at"] = utcnow() if values["done"] else None
        if values:
            values["updated_at"] = utcnow()
            Task.update(**values).where(Task.id == task.id).execute()
        task = Task.get_by_id(task.id)
    _push(task)
    return task


def _may_change(user, task, fields):
    """The owner or an administrator changes a task; anyone may only take an unowned one for themselves."""
    if access.owns(user, task) or access.is_admin(user):
        return True
    return task.owner_id is None and set(fields) == {"owner"} and fields["owner"] == user.id


def delete(user, task_id):
    """Delete a task (its owner or an administrator), audited; its Google copy goes too."""
    removed = []

    def remove(task, by_user):
        removed.append((task.google_user_id, task.google_task_id))
        task.delete_instance()
        audit.record("task.deleted", org=task.org_id, user=by_user, task_id=task.id, owner_id=task.owner_id)

    ownership.delete_in_org(user, Task, task_id, remove)
    google_user_id, google_task_id = removed[0]
    if google_user_id and google_task_id:
        _queue("delete_google_task", google_user_id, google_task_id)


def _push(task):
    if task.owner_id or task.google_user_id:
        _queue("push_google_task", task.id)


def _queue(name, *args):
    """Queue a Google Tasks job; a queue that is down (or Google failing in immediate mode) must not fail the CRM write."""
    try:
        queue.enqueue(name, *args)
    except Exception:
        log.exception("could not run %s%s", name, args)
