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
and logging by hand alike. ``labels_for_new_messages`` says which labels new
messages get (``Threadbook/Logged``; a sorted thread's deal label on its
replies), minding the threads whose labels the user took off (``LabelOptOut``,
sync/label_rules.py). ``created`` remembers whether Threadbook made the
label, so disconnecting can delete only labels that were ours
(``delete_created_labels``).
"""

from threadbook.db import write_transaction
from threadbook.google.errors import Conflict, GoogleApiError, NotFound
from threadbook.models import GmailLabel, LabelOptOut, ThreadLabel, utcnow

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


def existing_id(gmail, user, name):
    """Gmail's id of Threadbook's label ``name`` in the user's Gmail, found as ``resolve`` finds it but never created (None when there is none)."""
    labels = gmail.list_labels()
    row = GmailLabel.get_or_none((GmailLabel.user == user.id) & (GmailLabel.name == name))
    if row is not None and any(label["id"] == row.gmail_label_id for label in labels):
        return row.gmail_label_id
    found = _find(labels, name)
    return found["id"] if found else None


def remember(user, changed):
    """Store the label ids ``resolve`` found or created (inside the caller's write transaction)."""
    for name, (gmail_id, created) in changed.items():
        GmailLabel.insert(org=user.org_id, user=user.id, name=name, gmail_label_id=gmail_id, created=created, updated_at=utcnow()).on_conflict(
            conflict_target=[GmailLabel.user, GmailLabel.name],
            update={GmailLabel.gmail_label_id: gmail_id, GmailLabel.created: created, GmailLabel.updated_at: utcnow()},
        ).execute()


def opted_out(user_id, thread_ids, kind):
    """The threads among ``thread_ids`` whose labels of ``kind`` the user took off."""
    thread_ids = list(set(thread_ids))
    if not thread_ids:
        return set()
    query = LabelOptOut.select(LabelOptOut.gmail_thread_id).where(
        (LabelOptOut.user == user_id) & (LabelOptOut.kind == kind) & LabelOptOut.gmail_thread_id.in_(thread_ids)
    )
    return {thread_id for (thread_id,) in query.tuples()}


def sorted_threads(user_id, thread_ids):
    """{thread id: deal label} of the threads among ``thread_ids`` the deal round sorted."""
    thread_ids = list(set(thread_ids))
    if not thread_ids:
        return {}
    query = ThreadLabel.select(ThreadLabel.gmail_thread_id, ThreadLabel.label).where(
        (ThreadLabel.user == user_id) & ThreadLabel.label.in_(DEAL_LABELS) & ThreadLabel.gmail_thread_id.in_(thread_ids)
    )
    return dict(query.tuples())


def labels_for_new_messages(user_id, stored, others):
    """Return {tuple of Threadbook label names: [message ids]} for new messages of the user's Gmail.

    ``stored`` are messages just logged: they get ``Threadbook/Logged`` (unless
    the user took it off their thread). ``others`` are messages left out that
    still belong to the user's threads (purely internal replies). Both get the
    deal label of a thread the round sorted, so a reply arriving later is in
    the same label as the rest. Nothing here archives: new mail must reach the inbox.
    """
    threads = {m["threadId"] for m in stored} | {m["threadId"] for m in others}
    deal_of = sorted_threads(user_id, threads)
    no_logged = opted_out(user_id, {m["threadId"] for m in stored}, "logged")
    groups = {}
    for message, may_log in [(m, True) for m in stored] + [(m, False) for m in others]:
        names = []
        if may_log and message["threadId"] not in no_logged:
            names.append(LOGGED)
        if message["threadId"] in deal_of:
            names.append(deal_of[message["threadId"]])
        if names:
            groups.setdefault(tuple(names), []).append(message["id"])
    return groups


def label_new_messages(gmail, user, stored):
    """Best effort, outside mail sync: give just-logged messages their labels; return whether Gmail took them.

    ``gmail`` is a ``google.gmail.Gmail``; a token that may not change labels,
    or any Gmail failure, leaves the mail logged and unlabelled.
    """
    groups = labels_for_new_messages(user.id, stored, ())
    if not groups:
        return True
    try:
        ids = label_ids(gmail, user, sorted({name for names in groups for name in names}))
        for names, message_ids in groups.items():
            gmail.batch_modify_messages(message_ids, add_label_ids=[ids[name] for name in names])
    except GoogleApiError:
        return False
    return True


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
