"""Make each mailbox sync in one place at a time, even with workers on several machines.

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

from threadbook.models import Mailbox, utcnow


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


def acquire(mailbox_id, owner, ttl_seconds):
    """Take the lease if it is free, expired or ours; return True when we hold it."""
    now = utcnow()
    free = Mailbox.lease_until.is_null() | (Mailbox.lease_until < now) | (Mailbox.lease_owner == owner)
    query = Mailbox.update(lease_owner=owner, lease_until=now + datetime.timedelta(seconds=ttl_seconds)).where((Mailbox.id == mailbox_id) & free)
    return query.execute() == 1


def renew_query(mailbox_id, owner, ttl_seconds, **fields):
    """Return an UPDATE that extends our lease (and sets ``fields``) only while we hold it."""
    until = utcnow() + datetime.timedelta(seconds=ttl_seconds)
    return Mailbox.update(lease_until=until, **fields).where((Mailbox.id == mailbox_id) & (Mailbox.lease_owner == owner))


def renew(mailbox_id, owner, ttl_seconds, **fields):
    """Extend the lease, saving ``fields`` with it; raise LeaseLost when it is no longer ours."""
    if renew_query(mailbox_id, owner, ttl_seconds, **fields).execute() != 1:
        raise LeaseLost(f"mailbox {mailbox_id} is leased by another worker")


def release(mailbox_id, owner):
    """Give the lease back (only if still ours)."""
    Mailbox.update(lease_owner=None, lease_until=None).where((Mailbox.id == mailbox_id) & (Mailbox.lease_owner == owner)).execute()


def is_held(mailbox):
    return bool(mailbox.lease_owner) and mailbox.lease_until is not None and mailbox.lease_until > utcnow()
