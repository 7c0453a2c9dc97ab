"""Why mail sync left a thread out: the lookup's ``thread.filtered``, so the panel can say it and offer "Log anyway".

Mail sync records, per user and Gmail thread, the latest message it did not
store because no person wrote it (``FilteredThread``; reasons in
mail/automated.py). ``thread_state`` answers it for a thread the user has not
logged — once any of its mail is logged (say through "Log anyway", which is
an ordinary ``POST /api/v1/threads/<id>/log``), the panel shows the logged
mail instead and this is null.
"""

from threadbook.crm.serializers import iso
from threadbook.hot_sql import fetch
from threadbook.mail import automated


def thread_state(user, thread_id, logged):
    """``{"reason", "detail", "explanation", "filtered_at"}`` for the user's thread, or None (not filtered, or logged)."""
    if not thread_id or logged:
        return None
    # Written as SQL: the panel asks on every thread it opens, and building it with peewee cost more than running it.
    rows = fetch("SELECT reason, detail, filtered_at FROM filtered_thread WHERE user_id = ? AND gmail_thread_id = ?", [user.id, thread_id.lower()])
    if not rows:
        return None
    reason, detail, filtered_at = rows[0]
    return {"reason": reason, "detail": detail, "explanation": automated.explanation(reason, detail), "filtered_at": iso(filtered_at)}


SCHEMA = {
    "type": ["object", "null"],
    "description": "Why mail sync did not log this thread (mail no person wrote), or null. The panel says it and offers "
    "'Log anyway' (POST /api/v1/threads/{thread_id}/log). Null once you logged mail of the thread.",
    "required": ["reason", "detail", "explanation", "filtered_at"],
    "properties": {
        "reason": {"enum": list(automated.REASONS)},
        "detail": {"type": "string", "description": "What showed it: the header, or the sender's address."},
        "explanation": {"type": "string", "description": "A sentence to show as it is."},
        "filtered_at": {"type": "string", "format": "date-time"},
    },
}
