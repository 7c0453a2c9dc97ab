"""Read Gmail's history records: which messages an incremental sync fetches and which it takes out."""

from threadbook.mail import filters

GONE_LABELS = frozenset({"TRASH", "SPAM"})


def changes_in(records):
    """Return (message ids to fetch, message ids to take out) from history records, in order.

    A later record wins: added then deleted is a removal, trashed then restored an addition.
    Drafts, chats, spam and trash are not fetched at all.
    """
    added, removed = {}, {}
    for record in records:
        for entry in record.get("messagesAdded") or []:
            message = entry.get("message") or {}
            if filters.SKIPPED_LABELS.intersection(message.get("labelIds") or ()):
                continue
            added[message["id"]] = True
            removed.pop(message["id"], None)
        for entry in record.get("messagesDeleted") or []:
            message_id = (entry.get("message") or {}).get("id")
            removed[message_id] = True
            added.pop(message_id, None)
        for entry in record.get("labelsAdded") or []:
            if GONE_LABELS.intersection(entry.get("labelIds") or ()):
                message_id = entry["message"]["id"]
                removed[message_id] = True
                added.pop(message_id, None)
        for entry in record.get("labelsRemoved") or []:
            if GONE_LABELS.intersection(entry.get("labelIds") or ()):
                message_id = entry["message"]["id"]
                added[message_id] = True
                removed.pop(message_id, None)
    return list(added), list(removed)
