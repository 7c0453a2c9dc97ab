"""Mail sync left out on purpose, by Gmail id: what reconciliation must not fetch again.

A message sync fetched and did not store — all colleagues, blocked, mail no
person wrote, a draft, one the owner unlogged — is remembered here
(``SkippedMessage``) in the same transaction as its page. Reconciliation
(sync/reconcile.py) treats those ids like stored ones, so a daily run fetches
only what really went missing, and prunes rows older than its window.
"""

import datetime

from threadbook.models import MailboxMessage, SkippedMessage, utcnow
from threadbook.sync.id_lookup import column_in


def remember(org_id, user_id, skipped):
    """Record ``skipped`` [(gmail message id, reason)] for the user (inside the caller's transaction)."""
    now = utcnow()
    rows = [{"org": org_id, "user": user_id, "gmail_message_id": gid, "reason": reason, "skipped_at": now} for gid, reason in dict(skipped).items()]
    for start in range(0, len(rows), 200):
        chunk = rows[start : start + 200]
        SkippedMessage.insert_many(chunk).on_conflict(
            conflict_target=[SkippedMessage.user, SkippedMessage.gmail_message_id],
            update={SkippedMessage.reason: SkippedMessage.reason, SkippedMessage.skipped_at: now},
        ).execute()


def known_ids(user_id, gmail_ids):
    """Return the ids among ``gmail_ids`` the user's mailbox holds (stored) or that sync left out on purpose."""
    known = set(column_in(MailboxMessage, "gmail_message_id", gmail_ids, user=user_id))
    known.update(column_in(SkippedMessage, "gmail_message_id", [g for g in gmail_ids if g not in known], user=user_id))
    return known


def prune(user_id, older_than_days):
    """Forget left-out ids older than ``older_than_days``: reconciliation no longer lists them."""
    cutoff = utcnow() - datetime.timedelta(days=older_than_days)
    return SkippedMessage.delete().where((SkippedMessage.user == user_id) & (SkippedMessage.skipped_at < cutoff)).execute()
