"""Logged mail: one person's copy of an email, where it sits in their mailbox, its participants, the per-user thread marks, blocklist and unlogged messages.

Participants are stored by *normalised* address (see matching.py), so mail
links to a contact or lead by address, whenever either was created.
"""

from peewee import SQL, AutoField, BooleanField, CharField, DateTimeField, ForeignKeyField, TextField

from threadbook.models.base import BaseModel, JSONField, utcnow
from threadbook.models.crm import Deal
from threadbook.models.identity import Organization, User

VISIBILITIES = ("private", "team_metadata", "team_full")
EMAIL_SOURCES = ("manual", "sync", "dropbox", "sent")


class Email(BaseModel):
    """One person's copy of a logged email: one row per owner and mail.

    ``owner`` is whose evidence the row is (their mailbox, their dropbox, their
    sent mail); its content came from them and its ``visibility`` is theirs to
    set. ``message_key`` is the RFC Message-ID when the mail has one, shared
    by colleagues' copies of the same mail so a timeline can show it once
    (never a reason to show one person's copy to another), else a key derived
    from the mailbox's Gmail id. See identity/access.py. ``deal`` is the deal
    the copy was logged to, if any.
    """

    id = AutoField()
    org = ForeignKeyField(Organization, backref="emails", on_delete="CASCADE")
    owner = ForeignKeyField(User, null=True, backref="emails", on_delete="SET NULL")
    logged_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    message_key = CharField()
    rfc_message_id = CharField(null=True)
    gmail_message_id = CharField(null=True)
    gmail_thread_id = CharField(null=True)
    subject = TextField(default="")
    from_email = CharField(default="")
    from_name = CharField(default="")
    to = JSONField(default=list)
    cc = JSONField(default=list)
    date = DateTimeField(index=True)
    snippet = TextField(default="")
    body = TextField(null=True)
    in_reply_to = CharField(null=True)
    references = TextField(null=True)
    visibility = CharField(default="private")
    source = CharField(default="manual")
    deal = ForeignKeyField(Deal, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    # False when no-copy mode kept (or purged) the body and snippet, the subject: read them live from Gmail.
    # A database default too: migrations and bulk paths insert rows with SQL that does not name these columns.
    # A database default too: migrations and bulk paths insert rows with SQL that does not name these columns.
    content_stored = BooleanField(default=True, constraints=[SQL("DEFAULT TRUE")])
    subject_stored = BooleanField(default=True, constraints=[SQL("DEFAULT TRUE")])

    class Meta:
        indexes = (
            (("org", "owner", "message_key"), True),
            (("org", "message_key"), False),
            (("org", "gmail_thread_id"), False),
        )


class MailboxMessage(BaseModel):
    """Where a logged email sits in one user's mailbox (Gmail ids are per mailbox)."""

    id = AutoField()
    org = ForeignKeyField(Organization, on_delete="CASCADE")
    user = ForeignKeyField(User, on_delete="CASCADE")
    email = ForeignKeyField(Email, backref="mailbox_copies", on_delete="CASCADE")
    gmail_message_id = CharField()
    gmail_thread_id = CharField()
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = (
            (("user", "gmail_message_id"), True),
            (("user", "gmail_thread_id"), False),
        )


class EmailParticipant(BaseModel):
    id = AutoField()
    org = ForeignKeyField(Organization, on_delete="CASCADE")
    email = ForeignKeyField(Email, backref="participants", on_delete="CASCADE")
    address = CharField()
    address_normalized = CharField()
    name = CharField(default="")
    role = CharField()  # from, to, cc, bcc

    class Meta:
        indexes = (
            (("email", "address_normalized", "role"), True),
            (("org", "address_normalized"), False),
        )


class BlockedAddress(BaseModel):
    """An address or domain never stored; per user, or org-wide when user is null."""

    id = AutoField()
    org = ForeignKeyField(Organization, on_delete="CASCADE")
    user = ForeignKeyField(User, null=True, on_delete="CASCADE")
    pattern = CharField()  # a normalised address, or a domain

    class Meta:
        indexes = ((("org", "user", "pattern"), True),)


class PrivateThread(BaseModel):
    """A thread its owner keeps private: its mail, later messages included, stays private."""

    id = AutoField()
    org = ForeignKeyField(Organization, on_delete="CASCADE")
    user = ForeignKeyField(User, on_delete="CASCADE")
    gmail_thread_id = CharField()
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("user", "gmail_thread_id"), True),)


class TrackedThread(BaseModel):
    """A thread started from the CRM whose replies are logged without mail sync."""

    id = AutoField()
    org = ForeignKeyField(Organization, on_delete="CASCADE")
    user = ForeignKeyField(User, on_delete="CASCADE")
    gmail_thread_id = CharField()
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("user", "gmail_thread_id"), True),)


class UnloggedMessage(BaseModel):
    """A mail its owner unlogged: automatic paths (mail sync, dropbox, tracked replies) do not log it again for them.

    Keyed like ``Email.message_key``. Logging the thread again by hand removes it (mail/unlog.py).
    """

    id = AutoField()
    org = ForeignKeyField(Organization, on_delete="CASCADE")
    owner = ForeignKeyField(User, on_delete="CASCADE")
    message_key = CharField()
    at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("owner", "message_key"), True),)
