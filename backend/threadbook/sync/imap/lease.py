"""Make each IMAP account sync in one place at a time: the same conditional-UPDATE lease as Gmail mailboxes (sync/lease.py)."""

from threadbook.sync.lease import IMAP_ACCOUNTS, LeaseLost, new_owner_id

__all__ = ["LeaseLost", "acquire", "new_owner_id", "release", "renew"]

acquire, renew, release = IMAP_ACCOUNTS.acquire, IMAP_ACCOUNTS.renew, IMAP_ACCOUNTS.release
