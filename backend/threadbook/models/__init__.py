"""The whole Threadbook schema as peewee models, one module per domain; import every name from here.

Every row that belongs to a customer carries ``org`` so that each query can be
scoped to the caller's organisation. Email participants, contact addresses and
meeting attendees are stored by *normalised* address (see matching.py), which
is how a contact created later sees mail logged before it existed: a join on
the address, never a copy.

- ``base``: BaseModel, JSONField, utcnow
- ``identity``: organisations, users, invitations, sign-in nonces, the audit log
- ``crm``: companies, contacts, leads, deals, notes, match corrections
- ``mail``: logged mail, its mailbox places and participants, thread marks, the blocklist, unlogged messages
- ``calendar``: meetings and attendees, the calendars each user syncs
- ``sync``: connected mailboxes, Threadbook's Gmail labels (by id, per thread, opt-outs), threads sync filtered
- ``imports``: contact imports started from the API
- ``notify``: new-mail notifications, each mailbox's sync counts per day
- ``tasks``: CRM tasks, each user's link to Google Tasks
- ``google_contacts``: each user's copy of CRM contacts in Google Contacts, and the contacts copied
- ``schedules``: each user's sync runs per kind (mail, calendar, contacts, tasks), the schedule choices
- ``imap``: IMAP accounts (non-Gmail mailboxes) and their folders' sync positions
"""

from threadbook.models.base import BaseModel, JSONField, utcnow
from threadbook.models.calendar import Meeting, MeetingAttendee, SyncedCalendar
from threadbook.models.crm import (
    CORRECTION_KINDS,
    DEAL_STATUSES,
    LEAD_STATUSES,
    Company,
    CompanyDomain,
    Contact,
    ContactAddress,
    Deal,
    Lead,
    MatchCorrection,
    Note,
)
from threadbook.models.google_contacts import CONTACTS_FILTERS, GoogleContactLink, GoogleContactsSync
from threadbook.models.identity import DEFAULT_DEAL_STAGES, ROLES, USER_ADDRESS_KINDS, AuditLog, Invitation, Organization, UsedSignInNonce, User, UserAddress
from threadbook.models.imap import IMAP_FOLDER_ROLES, IMAP_STATUSES, IMAP_TLS_MODES, ImapAccount, ImapFolder
from threadbook.models.imports import IMPORT_STATUSES, ContactImport
from threadbook.models.mail import (
    EMAIL_SOURCES,
    VISIBILITIES,
    BlockedAddress,
    Email,
    EmailParticipant,
    MailboxMessage,
    PrivateThread,
    TrackedThread,
    UnloggedMessage,
)
from threadbook.models.notify import Notification, SyncDay
from threadbook.models.schedules import CALENDAR_DIRECTIONS, SCHEDULE_CHOICES, SYNC_KINDS, SyncRun
from threadbook.models.sync import (
    LABEL_OPT_OUT_KINDS,
    MAILBOX_STATUSES,
    FilteredThread,
    GmailLabel,
    GmailWatch,
    LabelOptOut,
    Mailbox,
    MailboxReconciliation,
    SkippedMessage,
    ThreadLabel,
)
from threadbook.models.tasks import GOOGLE_TASKS_STATUSES, GoogleTasksLink, Task

# Every table, in the order they were first declared (migrations create them from this list).
ALL_MODELS = [
    Organization,
    User,
    Invitation,
    UserAddress,
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
    UnloggedMessage,
    AuditLog,
    MatchCorrection,
    ContactImport,
    GmailLabel,
    LabelOptOut,
    FilteredThread,
    Notification,
    SyncDay,
    SyncedCalendar,
    SkippedMessage,
    MailboxReconciliation,
    Task,
    GoogleTasksLink,
    GoogleContactsSync,
    GoogleContactLink,
    SyncRun,
    ImapAccount,
    ImapFolder,
    GmailWatch,
]

__all__ = [
    "ALL_MODELS",
    "CONTACTS_FILTERS",
    "CORRECTION_KINDS",
    "DEAL_STATUSES",
    "DEFAULT_DEAL_STAGES",
    "EMAIL_SOURCES",
    "GOOGLE_TASKS_STATUSES",
    "IMAP_FOLDER_ROLES",
    "IMAP_STATUSES",
    "IMAP_TLS_MODES",
    "IMPORT_STATUSES",
    "LABEL_OPT_OUT_KINDS",
    "LEAD_STATUSES",
    "MAILBOX_STATUSES",
    "ROLES",
    "VISIBILITIES",
    "CALENDAR_DIRECTIONS",
    "SCHEDULE_CHOICES",
    "SYNC_KINDS",
    "AuditLog",
    "BaseModel",
    "BlockedAddress",
    "Company",
    "CompanyDomain",
    "Contact",
    "ContactAddress",
    "ContactImport",
    "ImapAccount",
    "ImapFolder",
    "Deal",
    "Email",
    "EmailParticipant",
    "FilteredThread",
    "GmailLabel",
    "GoogleTasksLink",
    "GoogleContactLink",
    "GoogleContactsSync",
    "GmailWatch",
    "Invitation",
    "USER_ADDRESS_KINDS",
    "UserAddress",
    "JSONField",
    "LabelOptOut",
    "Lead",
    "Mailbox",
    "MailboxMessage",
    "MailboxReconciliation",
    "MatchCorrection",
    "Meeting",
    "MeetingAttendee",
    "Note",
    "Notification",
    "Organization",
    "PrivateThread",
    "SyncedCalendar",
    "SkippedMessage",
    "ThreadLabel",
    "SyncDay",
    "Task",
    "SyncRun",
    "TrackedThread",
    "UnloggedMessage",
    "UsedSignInNonce",
    "User",
    "utcnow",
]
