"""Mailbox sync: a user's connected mailbox with its sync position, the Threadbook labels in Gmail, and mail sync left out."""

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
    last_error_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)
    # The Google account (ID token ``sub``) the grant is for, when Google said: a new address for it is a rename.
    account_sub = CharField(null=True)
    # A replaced grant Google could not revoke yet (encrypted), retried hourly (sync/readdress.py).
    pending_revocation = TextField(null=True)


class ThreadLabel(BaseModel):
    """A Threadbook label applied to a thread in a user's Gmail."""

    id = AutoField()
    org = ForeignKeyField(Organization, on_delete="CASCADE")
    user = ForeignKeyField(User, on_delete="CASCADE")
    gmail_thread_id = CharField()
    label = CharField()
    # Gmail's history id of the thread once the label was applied (threads.modify's answer), when known:
    # a removal Gmail's history reports from before it is not the user's.
    history_id = CharField(null=True)

    class Meta:
        indexes = ((("user", "gmail_thread_id", "label"), True),)


class GmailLabel(BaseModel):
    """One of Threadbook's labels in a user's Gmail, by Gmail's id: a rename in Gmail changes nothing here.

    ``name`` is Threadbook's name for it (``Threadbook/Logged``…), the key the
    code asks by; ``created`` says whether Threadbook created it (else it
    adopted a label the user already had under that name, in any case).
    """

    id = AutoField()
    org = ForeignKeyField(Organization, on_delete="CASCADE")
    user = ForeignKeyField(User, on_delete="CASCADE")
    name = CharField()
    gmail_label_id = CharField()
    created = BooleanField(default=False)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("user", "name"), True),)


LABEL_OPT_OUT_KINDS = ("deals", "logged")


class LabelOptOut(BaseModel):
    """The user took a Threadbook label off a thread in Gmail: Threadbook leaves that thread's labels of ``kind`` alone.

    ``kind`` is ``deals`` (any deal label) or ``logged`` (``Threadbook/Logged`` on its new messages).
    """

    id = AutoField()
    org = ForeignKeyField(Organization, on_delete="CASCADE")
    user = ForeignKeyField(User, on_delete="CASCADE")
    gmail_thread_id = CharField()
    kind = CharField()
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("user", "gmail_thread_id", "kind"), True),)


class FilteredThread(BaseModel):
    """Mail sync left a thread's latest message out as mail no person wrote (a list, a no-reply sender…), and why.

    ``reason`` is one of mail.filters.AUTOMATED_REASONS; ``detail`` the header or address that showed it.
    """

    id = AutoField()
    org = ForeignKeyField(Organization, on_delete="CASCADE")
    user = ForeignKeyField(User, on_delete="CASCADE")
    gmail_thread_id = CharField()
    reason = CharField()
    detail = CharField(default="")
    filtered_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("user", "gmail_thread_id"), True),)


class SkippedMessage(BaseModel):
    """A Gmail message sync fetched and deliberately did not store (internal, blocked, automated, unlogged, a draft…).

    Reconciliation (sync/reconcile.py) compares Gmail's ids with what is stored
    *or* skipped here, so it does not fetch the same left-out mail every day.
    Rows older than the reconciliation window are pruned by reconciliation.
    """

    id = AutoField()
    org = ForeignKeyField(Organization, on_delete="CASCADE")
    user = ForeignKeyField(User, on_delete="CASCADE")
    gmail_message_id = CharField()
    reason = CharField()  # a mail.filters verdict, or "unlogged"
    skipped_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("user", "gmail_message_id"), True),)


class MailboxReconciliation(BaseModel):
    """One reconciliation run of a mailbox: Gmail's ids of the last ``days`` checked against what sync stored or skipped."""

    id = AutoField()
    mailbox = ForeignKeyField(Mailbox, on_delete="CASCADE", backref="reconciliations")
    started_at = DateTimeField(default=utcnow)
    finished_at = DateTimeField(null=True)
    days = IntegerField(default=7)
    checked = IntegerField(default=0)  # ids Gmail listed
    missing = IntegerField(default=0)  # neither stored nor skipped before
    fetched = IntegerField(default=0)  # of those, fetched from Gmail (gone meanwhile: not fetched)
    stored = IntegerField(default=0)  # of those, stored now
    outcome = CharField(default="reconciled")  # reconciled, error, needs_reconnect, stopped
    error = TextField(null=True)

    class Meta:
        indexes = ((("mailbox", "started_at"), False),)


class GmailWatch(BaseModel):
    """A mailbox's Gmail push subscription (users.watch): when it lapses, and the pushes it brought.

    A mailbox with a live watch is told of new mail within seconds, so polling
    only checks it now and then (sync/due.py); one without falls back to polling.
    """

    id = AutoField()
    mailbox = ForeignKeyField(Mailbox, unique=True, on_delete="CASCADE", backref="watches")
    topic = CharField()
    expires_at = DateTimeField(null=True)  # Gmail's expiration; None until a watch succeeded
    renewed_at = DateTimeField(null=True)
    history_id = CharField(null=True)  # the mailbox's history id when the watch began
    last_push_at = DateTimeField(null=True)
    pushed_history_id = CharField(null=True)  # the highest history id a push announced
    pushes = IntegerField(default=0)
    error = TextField(null=True)  # why the last users.watch failed (e.g. the topic refuses Gmail)
    error_at = DateTimeField(null=True)
