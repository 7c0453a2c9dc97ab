"""IMAP mailboxes (non-Gmail accounts): a user's account and each synced folder's position.

A user has at most one Gmail ``Mailbox`` but any number of ``ImapAccount``s.
The app password is encrypted at rest (crypto.py) and never returned; each
folder remembers its UIDVALIDITY and the highest UID stored (sync/imap/).
"""

from peewee import AutoField, BigIntegerField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from threadbook.models.base import BaseModel, utcnow
from threadbook.models.identity import Organization, User

IMAP_TLS_MODES = ("tls", "starttls", "none")
IMAP_STATUSES = ("active", "needs_reconnect", "error")
IMAP_FOLDER_ROLES = ("inbox", "sent")


class ImapAccount(BaseModel):
    """One IMAP account a user connected, its state and its sync lease."""

    id = AutoField()
    org = ForeignKeyField(Organization, on_delete="CASCADE")
    user = ForeignKeyField(User, backref="imap_accounts", on_delete="CASCADE")
    host = CharField()
    port = IntegerField()
    tls = CharField(default="tls")  # tls (implicit, 993), starttls, none (loopback or an operator's setting)
    username = CharField()
    password = TextField(null=True)  # encrypted; never returned
    status = CharField(default="active")  # active, needs_reconnect (the server refused the login), error (kept failing)
    messages_synced = IntegerField(default=0)
    failures = IntegerField(default=0)  # consecutive failed runs: the periodic sync backs off
    last_synced_at = DateTimeField(null=True)
    last_error = TextField(null=True)
    last_error_at = DateTimeField(null=True)
    lease_owner = CharField(null=True)
    lease_until = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("user", "host", "username"), True),)


class ImapFolder(BaseModel):
    """One synced folder of an account (INBOX, Sent) and how far it is stored."""

    id = AutoField()
    account = ForeignKeyField(ImapAccount, backref="folders", on_delete="CASCADE")
    role = CharField()  # inbox, sent
    name = CharField()  # the folder's name on the server
    uidvalidity = BigIntegerField(null=True)
    last_uid = BigIntegerField(default=0)  # every UID up to this one is stored (or left out on purpose)
    last_synced_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("account", "role"), True),)
