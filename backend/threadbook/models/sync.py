"""Mailbox sync: a user's connected mailbox with its sync position, and the Threadbook labels put on Gmail threads."""

from peewee import AutoField, BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from threadbook.models.base import BaseModel, utcnow
from threadbook.models.identity import Organization, User

MAILBOX_STATUSES = ("active", "paused", "needs_reconnect", "disconnected")


class Mailbox(BaseModel):
    """A user's connected mailbox for automatic sync, and its sync position."""

    id = AutoField()
    org = ForeignKeyField(Organization, on_delete="CASCADE")
    user = ForeignKeyField(User, unique=True, backref="mailboxes", on_delete="CASCADE")
    kind = CharField(default="oauth")  # oauth, service_account
    refresh_token = TextField(null=True)  # encrypted, never returned
    scopes = TextField(default="")
    status = CharField(default="active")
    history_id = CharField(null=True)
    backfill_page_token = TextField(null=True)
    backfill_done = BooleanField(default=False)
    # The start of the backfill window, fixed when a backfill starts so a resumed one asks the same query.
    backfill_since = DateTimeField(null=True)
    messages_synced = IntegerField(default=0)
    calendar_sync_token = TextField(null=True)  # no longer used: SyncedCalendar.sync_token (migration 12 moved it)
    lease_owner = CharField(null=True)
    lease_until = DateTimeField(null=True)
    last_synced_at = DateTimeField(null=True)
    last_error = TextField(null=True)
    created_at = DateTimeField(default=utcnow)


class ThreadLabel(BaseModel):
    """A Threadbook label applied to a thread in a user's Gmail."""

    id = AutoField()
    org = ForeignKeyField(Organization, on_delete="CASCADE")
    user = ForeignKeyField(User, on_delete="CASCADE")
    gmail_thread_id = CharField()
    label = CharField()

    class Meta:
        indexes = ((("user", "gmail_thread_id", "label"), True),)
