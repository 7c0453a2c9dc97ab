"""What of a mail the CRM keeps: everything, or, in no-copy mode, only what links and lists it.

An organisation in no-copy mode (``Organization.no_copy_mode``) keeps the
Gmail message and thread ids, the RFC Message-ID (with In-Reply-To and
References, which thread it), the sender, the recipients and the date; the
subject only when ``no_copy_keep_subjects`` allows it; never the body or the
snippet. People read the rest live from their own Gmail (mail/live_content.py).

``mail.store.store_gmail_messages`` is the one writer of new mail, and every
source (the panel's "Log thread", sync, the dropbox, sent mail and tracked
replies, IMAP mailboxes) stores through it: it asks ``current_policy`` inside
its write transaction and passes its rows through ``strip``, so no caller
decides on its own. Switching the mode on purges what is already stored
(mail/no_copy_switch.py).
"""

from dataclasses import dataclass

from threadbook.db import is_postgres
from threadbook.models import Organization


@dataclass(frozen=True)
class ContentPolicy:
    """What a stored copy may hold besides the headers that link and list it."""

    keep_content: bool  # body and snippet
    keep_subject: bool


KEEP_ALL = ContentPolicy(keep_content=True, keep_subject=True)


def policy_of(org):
    """The policy an organisation's settings give (``org`` as loaded: callers that store use ``current_policy``)."""
    if not org.no_copy_mode:
        return KEEP_ALL
    return ContentPolicy(keep_content=False, keep_subject=bool(org.no_copy_keep_subjects))


def current_policy(org_id):
    """The organisation's policy as committed now, read inside the caller's write transaction.

    On PostgreSQL the row is read ``FOR SHARE``: storing mail never waits for
    other stores, but an administrator switching the mode on (which updates the
    row, then purges) waits for stores under way, and stores that start later
    wait for the switch and see it. SQLite's write lock already orders them.
    """
    query = Organization.select(Organization.no_copy_mode, Organization.no_copy_keep_subjects).where(Organization.id == org_id)
    if is_postgres():
        query = query.for_update("FOR SHARE")
    return policy_of(query.get())


def strip(rows, policy):
    """Blank in ``rows`` (Email column dicts) what ``policy`` does not keep, and say in each row what it kept; return the rows."""
    for row in rows:
        # Written out every time: the store's raw INSERT names its columns and the database has no default for them.
        row.update(content_stored=policy.keep_content, subject_stored=policy.keep_subject)
        if not policy.keep_content:
            row.update(body=None, snippet="")
        if not policy.keep_subject:
            row["subject"] = ""
    return rows


def wants_bodies(org):
    """Whether a path that stores mail should fetch bodies at all (format=full): never in no-copy mode."""
    return bool(org.store_bodies) and not org.no_copy_mode
