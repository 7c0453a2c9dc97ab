"""Make each mailbox (Gmail or IMAP) sync in one place at a time, even with workers on several machines.

A lease is ``Mailbox.lease_owner``/``lease_until``, taken with one conditional
UPDATE (free, expired, or already ours): the database decides the race, on
SQLite by its write lock and on PostgreSQL by row locking, which re-checks the
WHERE clause after waiting. Progress is saved only under the lease (see
``mailbox_sync``), so a worker that stalled past its lease cannot overwrite
the work of the one that took over.
"""

import datetime
import os
import socket
import threading
import uuid

from threadbook.models import ImapAccount, Mailbox, utcnow


class LeaseLost(Exception):
    """Another worker holds the mailbox's lease now; stop without saving."""


def new_owner_id(kind="job"):
    """Return an id naming this worker and its job: ``kind@host:process:thread:random`` (kind: sync, labels, reconcile)."""
    return f"{kind}@{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}:{uuid.uuid4().hex[:8]}"


def holder_kind(mailbox_id):
    """Return the kind of job holding the mailbox's lease now ("sync", "labels"…; "job" when unnamed), or None when free."""
    mailbox = Mailbox.get_or_none(Mailbox.id == mailbox_id)
    if mailbox is None or not is_held(mailbox):
        return None
    kind, at, _ = mailbox.lease_owner.partition("@")
    return kind if at else "job"


class Lease:
    """The lease columns (``lease_owner``, ``lease_until``) of one table whose rows sync one at a time."""

    def __init__(self, model, noun):
        self.model, self.noun = model, noun

    def acquire(self, row_id, owner, ttl_seconds):
        """Take the lease if it is free, expired or ours; return True when we hold it."""
        model, now = self.model, utcnow()
        free = model.lease_until.is_null() | (model.lease_until < now) | (model.lease_owner == owner)
        until = now + datetime.timedelta(seconds=ttl_seconds)
        return model.update(lease_owner=owner, lease_until=until).where((model.id == row_id) & free).execute() == 1

    def renew_query(self, row_id, owner, ttl_seconds, **fields):
        """Return an UPDATE that extends our lease (and sets ``fields``) only while we hold it."""
        model, until = self.model, utcnow() + datetime.timedelta(seconds=ttl_seconds)
        return model.update(lease_until=until, **fields).where((model.id == row_id) & (model.lease_owner == owner))

    def renew(self, row_id, owner, ttl_seconds, **fields):
        """Extend the lease, saving ``fields`` with it; raise LeaseLost when it is no longer ours."""
        if self.renew_query(row_id, owner, ttl_seconds, **fields).execute() != 1:
            raise LeaseLost(f"{self.noun} {row_id} is leased by another worker")

    def release(self, row_id, owner):
        """Give the lease back (only if still ours)."""
        model = self.model
        model.update(lease_owner=None, lease_until=None).where((model.id == row_id) & (model.lease_owner == owner)).execute()


MAILBOXES = Lease(Mailbox, "mailbox")
IMAP_ACCOUNTS = Lease(ImapAccount, "IMAP account")
# The Gmail mailbox's lease, as most of sync/ calls it.
acquire, renew_query, renew, release = MAILBOXES.acquire, MAILBOXES.renew_query, MAILBOXES.renew, MAILBOXES.release


def is_held(mailbox):
    return bool(mailbox.lease_owner) and mailbox.lease_until is not None and mailbox.lease_until > utcnow()
