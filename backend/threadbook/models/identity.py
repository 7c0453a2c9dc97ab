"""Organisations, their people and invitations, used sign-in nonces and the audit log."""

import secrets

from peewee import SQL, AutoField, BooleanField, CharField, DateTimeField, ForeignKeyField, TextField

from threadbook.models.base import BaseModel, JSONField, utcnow

ROLES = ("admin", "member")
# The deal stages of an organisation that has not chosen its own (Organization.deal_stages is null).
DEFAULT_DEAL_STAGES = ("qualification", "proposal", "negotiation")


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
    # The ordered names of deal stages the panel offers; null: DEFAULT_DEAL_STAGES.
    deal_stages = JSONField(null=True)
    # Encrypted Workspace service-account key (domain-wide delegation), never returned.
    service_account_key = TextField(null=True)
    created_at = DateTimeField(default=utcnow)
    # Mail sync's choices (docs/sync.md): delete Threadbook's Gmail labels when a mailbox disconnects;
    # whether the blocklist also keeps mail out of "Log thread".
    remove_labels_on_disconnect = BooleanField(default=False)
    blocklist_applies_to_manual_logs = BooleanField(default=True)
    # No-copy mode (mail/content_policy.py): keep only what links and lists mail; read its content live from Gmail.
    # Database defaults: the migration adds them in place (see migrations.add_column_with_sql_default).
    no_copy_mode = BooleanField(default=False, constraints=[SQL("DEFAULT FALSE")])
    no_copy_keep_subjects = BooleanField(default=False, constraints=[SQL("DEFAULT FALSE")])
    # Sync schedules' organisation defaults (identity/sync_schedules.py): 10m, 30m, 2h or manual per kind,
    # and whether calendar sync writes to Google (two_way) or only reads it (one_way).
    mail_schedule = CharField(default="10m")
    calendar_schedule = CharField(default="10m")
    contacts_schedule = CharField(default="10m")
    tasks_schedule = CharField(default="10m")
    calendar_direction = CharField(default="two_way")
    # True: members follow these and cannot choose their own (their choices are kept for when it is lifted).
    sync_schedules_locked = BooleanField(default=False)


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
    notifications_enabled = BooleanField(default=True)  # new-mail notifications (feed, Chrome, badge)
    # The level of this user's new mail when they choose none; null follows the organisation's.
    default_visibility = CharField(null=True)
    # The user's own sync schedules and calendar direction (identity/sync_schedules.py); null follows the organisation's.
    mail_schedule = CharField(null=True)
    calendar_schedule = CharField(null=True)
    contacts_schedule = CharField(null=True)
    tasks_schedule = CharField(null=True)
    calendar_direction = CharField(null=True)
    dropbox_token = CharField(unique=True, default=lambda: secrets.token_hex(8))
    created_at = DateTimeField(default=utcnow)
    last_login_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("org", "email_normalized"), True),)


USER_ADDRESS_KINDS = ("former", "signin")


class UserAddress(BaseModel):
    """An address of a user other than their current one (``User.email``): mail from or to it is still theirs.

    ``former``: an address they had before a change (their Google account was
    renamed, or they connected another mailbox); ``signin``: the address of the
    Google account they sign in with, when their connected mailbox is another
    account's (identity/addresses.py). Not exclusive: an address a colleague
    takes over later is the colleague's current one.
    """

    id = AutoField()
    # No index of its own: (org, email_normalized) leads with org, and SQLite would otherwise pick org alone for lookups.
    org = ForeignKeyField(Organization, on_delete="CASCADE", index=False)
    user = ForeignKeyField(User, backref="addresses", on_delete="CASCADE")
    email = CharField()
    email_normalized = CharField()
    kind = CharField(default="former")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("user", "email_normalized"), True), (("org", "email_normalized"), False))


class Invitation(BaseModel):
    id = AutoField()
    org = ForeignKeyField(Organization, backref="invitations", on_delete="CASCADE")
    email_normalized = CharField()
    role = CharField(default="member")
    invited_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("org", "email_normalized"), True),)


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
