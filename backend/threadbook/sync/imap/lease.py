"""Make each IMAP account sync in one place at a time: the same conditional-UPDATE lease as Gmail mailboxes (sync/lease.py)."""

import datetime

from threadbook.models import ImapAccount, utcnow
from threadbook.sync.lease import LeaseLost, new_owner_id

__all__ = ["LeaseLost", "acquire", "new_owner_id", "release", "renew"]


def acquire(account_id, owner, ttl_seconds):
    """Take the lease if it is free, expired or ours; return True when we hold it."""
    now = utcnow()
    free = ImapAccount.lease_until.is_null() | (ImapAccount.lease_until < now) | (ImapAccount.lease_owner == owner)
    until = now + datetime.timedelta(seconds=ttl_seconds)
    return ImapAccount.update(lease_owner=owner, lease_until=until).where((ImapAccount.id == account_id) & free).execute() == 1


def renew(account_id, owner, ttl_seconds, **fields):
    """Extend the lease, saving ``fields`` with it; raise LeaseLost when it is no longer ours."""
    until = utcnow() + datetime.timedelta(seconds=ttl_seconds)
    if ImapAccount.update(lease_until=until, **fields).where((ImapAccount.id == account_id) & (ImapAccount.lease_owner == owner)).execute() != 1:
        raise LeaseLost(f"IMAP account {account_id} is leased by another worker")


def release(account_id, owner):
    ImapAccount.update(lease_owner=None, lease_until=None).where((ImapAccount.id == account_id) & (ImapAccount.lease_owner == owner)).execute()
