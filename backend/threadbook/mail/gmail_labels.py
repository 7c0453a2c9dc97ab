"""Threadbook's labels in a user's Gmail, known by Gmail's id.

Threadbook asks for a label by its own name (``Threadbook/Logged``, the deal
labels); ``label_ids`` answers Gmail's id, with one ``labels.list``:

1. the id stored for the user (``GmailLabel``) while Gmail still has it, whatever
   it is called now: a user who renames our label keeps it, and we keep using it;
2. else a label of that name compared as Gmail compares names, without regard to
   case (``threadbook/logged`` is adopted, never duplicated: Gmail would answer 409);
3. else a new label, created once (a 409 from a concurrent creation is settled by
   listing again).

The id is stored per user (their Gmail account), for mail sync, the deal round
and logging by hand alike. ``created`` remembers whether Threadbook made the
label, so disconnecting can delete only labels that were ours
(``delete_created_labels``).
"""

from threadbook.db import write_transaction
from threadbook.google.errors import Conflict, NotFound
from threadbook.models import GmailLabel, LabelOptOut, utcnow

LOGGED = "Threadbook/Logged"
CLOSING = "Threadbook/Deals closing this month"
OPEN = "Threadbook/Open deals"
CUSTOMERS = "Threadbook/Customers"
DEAL_LABELS = (CLOSING, OPEN, CUSTOMERS)  # in priority order
ALL_LABELS = (LOGGED, *DEAL_LABELS)


def same_name(a, b):
    """Gmail's comparison of label names: case does not count."""
    return a.casefold() == b.casefold()


def stored_ids(user_id):
    """{Threadbook name: Gmail id} stored for the user (no Gmail call)."""
    return dict(GmailLabel.select(GmailLabel.name, GmailLabel.gmail_label_id).where(GmailLabel.user == user_id).tuples())


def _find(labels, name):
    return next((label for label in labels if same_name(label.get("name") or "", name)), None)


def resolve(gmail, user, names):
    """Return ({name: Gmail label id}, {name: (id, created)} to remember) for Threadbook's ``names``, creating what is missing.

    Reads the database and calls Gmail; writes nothing (``remember`` does), so
    mail sync can resolve in its prefetch thread and store with its page.
    ``gmail`` needs ``list_labels()`` and ``create_label(name)`` (a
    ``google.gmail.Gmail``, or mail sync's quota-paced wrapper). Raises
    GoogleApiError as they do.
    """
    stored = {row.name: row for row in GmailLabel.select().where(GmailLabel.user == user.id)}
    labels = gmail.list_labels()
    present = {label["id"] for label in labels}
    found, changed = {}, {}
    for name in names:
        row = stored.get(name)
        if row is not None and row.gmail_label_id in present:
            found[name] = row.gmail_label_id  # ours, under whatever name the user gave it
            continue
        existing = _find(labels, name)
        created = False
        if existing is None:
            try:
                existing, created = gmail.create_label(name), True
            except Conflict:
                existing = _find(gmail.list_labels(), name)  # created meanwhile by another worker
                if existing is None:
                    raise
        found[name] = existing["id"]
        changed[name] = (existing["id"], created)
    return found, changed


def label_ids(gmail, user, names):
    """Return {name: Gmail label id} for Threadbook's ``names`` in the user's Gmail, creating and remembering what is missing."""
    found, changed = resolve(gmail, user, names)
    if changed:
        with write_transaction():
            remember(user, changed)
    return found


def remember(user, changed):
    """Store the label ids ``resolve`` found or created (inside the caller's write transaction)."""
    for name, (gmail_id, created) in changed.items():
        GmailLabel.insert(org=user.org_id, user=user.id, name=name, gmail_label_id=gmail_id, created=created, updated_at=utcnow()).on_conflict(
            conflict_target=[GmailLabel.user, GmailLabel.name],
            update={GmailLabel.gmail_label_id: gmail_id, GmailLabel.created: created, GmailLabel.updated_at: utcnow()},
        ).execute()


def delete_created_labels(gmail, user):
    """Delete from Gmail the labels Threadbook created for the user (Gmail takes them off every message); forget all.

    Labels Threadbook adopted (the user had them before) stay in Gmail. Return
    the names deleted. Raises GoogleApiError (a label already gone is fine).
    """
    deleted = []
    for row in GmailLabel.select().where(GmailLabel.user == user.id).order_by(GmailLabel.id):
        if row.created:
            try:
                gmail.delete_label(row.gmail_label_id)
            except NotFound:
                pass  # the user deleted it first
            deleted.append(row.name)
    with write_transaction():
        GmailLabel.delete().where(GmailLabel.user == user.id).execute()
    return deleted


def lift_opt_outs(user_id, thread_id):
    """The user logged the thread again by hand: Threadbook may label it again (sync/label_rules.py says why it stopped)."""
    with write_transaction():
        return LabelOptOut.delete().where((LabelOptOut.user == user_id) & (LabelOptOut.gmail_thread_id == thread_id)).execute()
