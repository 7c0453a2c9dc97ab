"""CRM tasks (a to-do with a due date, linked to at most one contact, lead and deal) and each user's link to Google Tasks."""

from peewee import AutoField, BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField, TextField

from threadbook.models.base import BaseModel, utcnow
from threadbook.models.crm import Contact, Deal, Lead
from threadbook.models.identity import Organization, User

GOOGLE_TASKS_STATUSES = ("off", "active", "needs_scope", "needs_reconnect")
TITLE_MAX_LENGTH = 500  # the API's limit (crm/tasks.py); Google Tasks takes 1,024


class Task(BaseModel):
    """A CRM task; ``google_*`` say where its copy sits in Google Tasks (in ``google_user``'s Threadbook list)."""

    id = AutoField()
    org = ForeignKeyField(Organization, backref="tasks", on_delete="CASCADE")
    title = CharField(max_length=TITLE_MAX_LENGTH)
    notes = TextField(default="")
    due_date = DateField(null=True)
    due_time = CharField(null=True)  # "HH:MM" (the owner's day; Google Tasks keeps only the date)
    contact = ForeignKeyField(Contact, null=True, backref="tasks", on_delete="SET NULL")
    lead = ForeignKeyField(Lead, null=True, backref="tasks", on_delete="SET NULL")
    deal = ForeignKeyField(Deal, null=True, backref="tasks", on_delete="SET NULL")
    owner = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    done = BooleanField(default=False, index=True)
    done_at = DateTimeField(null=True)
    google_user = ForeignKeyField(User, null=True, on_delete="SET NULL")
    google_task_id = CharField(null=True)
    google_etag = CharField(null=True)
    google_pushed_at = DateTimeField(null=True)  # when Google last got this task's fields: changed since means push again
    # Deleted in Google Tasks by the user: never put back there on its own (docs/google-tasks.md).
    google_deleted = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = (
            (("org", "owner", "done"), False),
            (("google_user", "google_task_id"), False),
        )


class GoogleTasksLink(BaseModel):
    """A user's "Put my CRM tasks in Google Tasks": their grant, their Threadbook list, and how sync last went."""

    id = AutoField()
    org = ForeignKeyField(Organization, on_delete="CASCADE")
    user = ForeignKeyField(User, unique=True, on_delete="CASCADE")
    enabled = BooleanField(default=False)
    status = CharField(default="off")  # GOOGLE_TASKS_STATUSES
    refresh_token = TextField(null=True)  # encrypted, never returned
    scopes = TextField(default="")
    list_id = CharField(null=True)  # Google's id of the "Threadbook" task list
    updated_min = CharField(null=True)  # RFC 3339: read back Google's changes since (the last run's start)
    last_run_at = DateTimeField(null=True)
    last_success_at = DateTimeField(null=True)
    last_error = TextField(null=True)
    last_error_at = DateTimeField(null=True)
    retry_after = DateTimeField(null=True)  # Google rate-limited us: no call before this
    failures = IntegerField(default=0)
    created_at = DateTimeField(default=utcnow)
