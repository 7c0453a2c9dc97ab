"""The whole CRM domain as peewee models.

Every row that belongs to a customer carries ``org`` so that each query can be
scoped to the caller's organisation. Email participants, contact addresses and
meeting attendees are stored by *normalised* address (see matching.py), which
is how a contact created later sees mail logged before it existed: a join on
the address, never a copy.
"""

import datetime
import json
import secrets

from peewee import (
    AutoField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    DecimalField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

from threadbook.db import database


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


class JSONField(TextField):
    """Store JSON as text, portable across SQLite and PostgreSQL."""

    def db_value(self, value):
        return None if value is None else json.dumps(value, separators=(",", ":"))

    def python_value(self, value):
        return None if value is None else json.loads(value)


ROLES = ("admin", "member")
VISIBILITIES = ("private", "team_metadata", "team_full")
EMAIL_SOURCES = ("manual", "sync", "dropbox", "sent")
DEAL_STATUSES = ("open", "won", "lost")
LEAD_STATUSES = ("new", "contacted", "qualified", "converted", "disqualified")
MAILBOX_STATUSES = ("active", "paused", "needs_reconnect", "disconnected")


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class Organization(BaseModel):
    id = AutoField()
    name = CharField()
    # The Google Workspace domain (`hd` claim); null for a personal organisation.
    domain = CharField(null=True, unique=True)
    is_personal = BooleanField(default=False)
    invite_only = BooleanField(default=False)
    store_bodies = BooleanField(default=False)
    default_visibility = CharField(default="team_metadata")
    sync_enabled = BooleanField(default=True)
    archive_sorted_threads = BooleanField(default=False)
    # Encrypted Workspace service-account key (domain-wide delegation), never returned.
    service_account_key = TextField(null=True)
    created_at = DateTimeField(default=utcnow)


class User(BaseModel):
    id = AutoField()
    org = ForeignKeyField(Organization, backref="users", on_delete="CASCADE")
    google_sub = CharField(unique=True)
    email = CharField()
    email_normalized = CharField(index=True)
    name = CharField(default="")
    role = CharField(default="member")
    # Signed in through the development sign-in, never through Google.
    is_dev = BooleanField(default=False)
    sync_paused = BooleanField(default=False)
    # The level of this user's new mail when they choose none; null follows the organisation's.
    default_visibility = CharField(null=True)
    dropbox_token = CharField(unique=True, default=lambda: secrets.token_hex(8))
    created_at = DateTimeField(default=utcnow)
    last_login_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("org", "email_normalized"), True),)


class Invitation(BaseModel):
    id = AutoField()
    org = ForeignKeyField(Organization, backref="invitations", on_delete="CASCADE")
    email_normalized = CharField()
    role = CharField(default="member")
    invited_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("org", "email_normalized"), True),)


class Company(BaseModel):
    id = AutoField()
    org = ForeignKeyField(Organization, backref="companies", on_delete="CASCADE")
    name = CharField()
    name_lower = CharField(index=True)
    industry = CharField(null=True)
    owner = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)


class CompanyDomain(BaseModel):
    """A registrable domain (acme.co.uk) that identifies a company."""

    id = AutoField()
    org = ForeignKeyField(Organization, on_delete="CASCADE")
    company = ForeignKeyField(Company, backref="domains", on_delete="CASCADE")
    domain = CharField()

    class Meta:
        indexes = ((("org", "domain"), True),)


class Contact(BaseModel):
    id = AutoField()
    org = ForeignKeyField(Organization, backref="contacts", on_delete="CASCADE")
    name = CharField(default="")
    name_lower = CharField(default="", index=True)
    title = CharField(null=True)
    phone = CharField(null=True)
    company = ForeignKeyField(Company, null=True, backref="contacts", on_delete="SET NULL")
    owner = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)


class ContactAddress(BaseModel):
    """One of a contact's addresses; an address belongs to one contact per org."""

    id = AutoField()
    org = ForeignKeyField(Organization, on_delete="CASCADE")
    contact = ForeignKeyField(Contact, backref="addresses", on_delete="CASCADE")
    email = CharField()  # as written, for display
    email_normalized = CharField()
    is_primary = BooleanField(default=False)

    class Meta:
        indexes = ((("org", "email_normalized"), True),)


class Lead(BaseModel):
    id = AutoField()
    org = ForeignKeyField(Organization, backref="leads", on_delete="CASCADE")
    name = CharField(default="")
    name_lower = CharField(default="", index=True)
    email = CharField()
    email_normalized = CharField()
    company_name = CharField(null=True)
    title = CharField(null=True)
    status = CharField(default="new")
    owner = ForeignKeyField(User, null=True, on_delete="SET NULL")
    converted_contact = ForeignKeyField(Contact, null=True, on_delete="SET NULL")
    converted_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("org", "email_normalized"), True),)


class Deal(BaseModel):
    id = AutoField()
    org = ForeignKeyField(Organization, backref="deals", on_delete="CASCADE")
    name = CharField()
    company = ForeignKeyField(Company, null=True, backref="deals", on_delete="SET NULL")
    contact = ForeignKeyField(Contact, null=True, backref="deals", on_delete="SET NULL")
    owner = ForeignKeyField(User, null=True, on_delete="SET NULL")
    stage = CharField(default="qualification")
    status = CharField(default="open", index=True)
    amount = DecimalField(max_digits=14, decimal_places=2, null=True)
    currency = CharField(default="USD")
    close_date = DateField(null=True)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)


class Email(BaseModel):
    """One person's copy of a logged email: one row per owner and mail.

    ``owner`` is whose evidence the row is (their mailbox, their dropbox, their
    sent mail); its content came from them and its ``visibility`` is theirs to
    set. ``message_key`` is the RFC Message-ID when the mail has one, shared
    by colleagues' copies of the same mail so a timeline can show it once
    (never a reason to show one person's copy to another), else a key derived
    from the mailbox's Gmail id. See identity/access.py.
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
    created_at = DateTimeField(default=utcnow)

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


class Note(BaseModel):
    id = AutoField()
    org = ForeignKeyField(Organization, backref="notes", on_delete="CASCADE")
    author = ForeignKeyField(User, null=True, on_delete="SET NULL")
    body = TextField()
    contact = ForeignKeyField(Contact, null=True, backref="notes", on_delete="CASCADE")
    lead = ForeignKeyField(Lead, null=True, backref="notes", on_delete="CASCADE")
    gmail_thread_id = CharField(null=True)
    created_at = DateTimeField(default=utcnow, index=True)

    class Meta:
        indexes = ((("org", "gmail_thread_id"), False),)


class Meeting(BaseModel):
    id = AutoField()
    org = ForeignKeyField(Organization, backref="meetings", on_delete="CASCADE")
    owner = ForeignKeyField(User, null=True, on_delete="SET NULL")
    title = CharField(default="")
    description = TextField(default="")
    location = CharField(default="")
    start = DateTimeField(index=True)
    end = DateTimeField()
    status = CharField(default="confirmed")  # confirmed, cancelled
    source = CharField(default="crm")  # crm, calendar
    google_event_id = CharField(null=True)
    google_etag = CharField(null=True)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("owner", "google_event_id"), True),)


class MeetingAttendee(BaseModel):
    id = AutoField()
    org = ForeignKeyField(Organization, on_delete="CASCADE")
    meeting = ForeignKeyField(Meeting, backref="attendees", on_delete="CASCADE")
    address = CharField()
    address_normalized = CharField()
    name = CharField(default="")
    response_status = CharField(default="needsAction")

    class Meta:
        indexes = (
            (("meeting", "address_normalized"), True),
            (("org", "address_normalized"), False),
        )


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
    calendar_sync_token = TextField(null=True)
    lease_owner = CharField(null=True)
    lease_until = DateTimeField(null=True)
    last_synced_at = DateTimeField(null=True)
    last_error = TextField(null=True)
    created_at = DateTimeField(default=utcnow)


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


class ThreadLabel(BaseModel):
    """A Threadbook label applied to a thread in a user's Gmail."""

    id = AutoField()
    org = ForeignKeyField(Organization, on_delete="CASCADE")
    user = ForeignKeyField(User, on_delete="CASCADE")
    gmail_thread_id = CharField()
    label = CharField()

    class Meta:
        indexes = ((("user", "gmail_thread_id", "label"), True),)


class UsedSignInNonce(BaseModel):
    """A sign-in nonce already exchanged for a session (its digest), kept until its ID token expires."""

    id = AutoField()
    digest = CharField(unique=True)
    expires_at = DateTimeField(index=True)


class AuditLog(BaseModel):
    id = AutoField()
    org = ForeignKeyField(Organization, null=True, on_delete="CASCADE")
    user = ForeignKeyField(User, null=True, on_delete="SET NULL")
    action = CharField(index=True)
    detail = JSONField(default=dict)
    ip = CharField(null=True)
    created_at = DateTimeField(default=utcnow, index=True)


ALL_MODELS = [
    Organization,
    User,
    Invitation,
    Company,
    CompanyDomain,
    Contact,
    ContactAddress,
    Lead,
    Deal,
    Email,
    MailboxMessage,
    EmailParticipant,
    Note,
    Meeting,
    MeetingAttendee,
    Mailbox,
    BlockedAddress,
    PrivateThread,
    TrackedThread,
    ThreadLabel,
    UsedSignInNonce,
    AuditLog,
]
