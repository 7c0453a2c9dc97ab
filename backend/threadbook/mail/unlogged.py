"""Mail its owner unlogged, remembered so that nothing logs it again by itself.

An ``UnloggedMessage`` row (org, owner, message_key) is written when a person
unlogs their copy of a mail (mail/unlog.py). Mail sync, service-account sync,
the BCC dropbox and the replies of tracked threads then leave that mail out
for that person: ``store_gmail_messages`` drops it (``relog=False``, the
default). Logging the thread by hand is the person asking again: it stores
the mail and forgets the mark (``relog=True``). Colleagues' copies of the
same mail are theirs and never affected.
"""

from threadbook.models import UnloggedMessage, utcnow

CHUNK = 400


def remember(org_id, owner_id, message_keys):
    """Mark ``message_keys`` unlogged for ``owner_id`` (idempotent)."""
    keys = sorted(set(message_keys))
    if owner_id is None or not keys:
        return
    now = utcnow()
    for start in range(0, len(keys), CHUNK):
        rows = [{"org": org_id, "owner": owner_id, "message_key": key, "at": now} for key in keys[start : start + CHUNK]]
        UnloggedMessage.insert_many(rows).on_conflict(
            conflict_target=[UnloggedMessage.owner, UnloggedMessage.message_key], update={UnloggedMessage.at: now}
        ).execute()


def has_any(owner_id):
    """Whether the owner unlogged anything at all (most people never do: then nothing more is asked)."""
    return owner_id is not None and UnloggedMessage.select().where(UnloggedMessage.owner == owner_id).exists()


def among(owner_id, message_keys):
    """The keys among ``message_keys`` that ``owner_id`` unlogged."""
    keys = sorted(set(message_keys))
    if not has_any(owner_id) or not keys:
        return set()
    found = set()
    for start in range(0, len(keys), CHUNK):
        query = UnloggedMessage.select(UnloggedMessage.message_key).where(
            (UnloggedMessage.owner == owner_id) & UnloggedMessage.message_key.in_(keys[start : start + CHUNK])
        )
        found.update(key for (key,) in query.tuples())
    return found


def forget(owner_id, message_keys):
    """Drop the marks on ``message_keys``: the owner logged them again by hand."""
    keys = sorted(set(message_keys))
    for start in range(0, len(keys), CHUNK):
        UnloggedMessage.delete().where((UnloggedMessage.owner == owner_id) & UnloggedMessage.message_key.in_(keys[start : start + CHUNK])).execute()
