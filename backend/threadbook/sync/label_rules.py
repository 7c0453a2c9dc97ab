"""What a Threadbook label the user takes off in Gmail means, read from Gmail's history.

(Which labels new messages get is ``mail.gmail_labels.labels_for_new_messages``:
``Threadbook/Logged``, and a sorted thread's deal label on its later replies.)

A label the user takes off (``record_removals``) means "stop" for that thread,
and is recorded (``LabelOptOut``):

- a deal label taken off a thread: the deal round leaves the thread alone from
  then on (no deal label is put back, none moved in);
- ``Threadbook/Logged`` taken off a message of a thread: new messages of that
  thread are no longer labelled (the mail is still logged: removing a label is
  not unlogging).

Reapplying would fight the user, who can take a label off again and again and
never win; a user who wants the thread back logs it again from the panel
("Log thread" lifts both: ``gmail_labels.lift_opt_outs``). A removal is the user's only when
Threadbook did not do it: the deal round forgets a label it takes off before
Gmail's history reports it, and a removal older than the label's own
application (``ThreadLabel.history_id``) is ignored.
"""

from threadbook.db import write_transaction
from threadbook.mail.gmail_labels import DEAL_LABELS, LOGGED, stored_ids
from threadbook.models import LabelOptOut, MailboxMessage, ThreadLabel


def _as_int(history_id):
    try:
        return int(history_id)
    except (TypeError, ValueError):
        return 0  # unknown: any removal counts


def _removals(records, names_by_id):
    """Yield (history id, thread id, message id, Threadbook name) for each of our labels history says was taken off."""
    for record in records:
        for entry in record.get("labelsRemoved") or []:
            message = entry.get("message") or {}
            for label_id in entry.get("labelIds") or ():
                if label_id in names_by_id and message.get("threadId"):
                    yield int(record["id"]), message["threadId"], message.get("id"), names_by_id[label_id]


def record_removals(user, records):
    """Record the threads whose Threadbook labels the user took off, from history records; return how many threads.

    Runs before the page's new messages are labelled, so a reply in a thread
    the user just opted out of is not labelled against their wish.
    """
    ids = stored_ids(user.id)
    if not ids:
        return 0
    names_by_id = {gmail_id: name for name, gmail_id in ids.items()}
    removals = list(_removals(records, names_by_id))
    if not removals:
        return 0
    opt_outs = set()
    deal_threads = {thread_id for _, thread_id, _, name in removals if name in DEAL_LABELS}
    applied = {}
    if deal_threads:
        rows = ThreadLabel.select().where(
            (ThreadLabel.user == user.id) & ThreadLabel.gmail_thread_id.in_(list(deal_threads)) & ThreadLabel.label.in_(DEAL_LABELS)
        )
        applied = {(row.gmail_thread_id, row.label): row for row in rows}
    logged_ids = [message_id for _, _, message_id, name in removals if name == LOGGED and message_id]
    ours = set()
    if logged_ids:
        query = MailboxMessage.select(MailboxMessage.gmail_message_id).where((MailboxMessage.user == user.id) & MailboxMessage.gmail_message_id.in_(logged_ids))
        ours = {gid for (gid,) in query.tuples()}
    for history_id, thread_id, message_id, name in removals:
        if name == LOGGED:
            if message_id in ours:
                opt_outs.add((thread_id, "logged"))
            continue
        row = applied.get((thread_id, name))
        if row is not None and history_id > _as_int(row.history_id):
            opt_outs.add((thread_id, "deals"))
    if not opt_outs:
        return 0
    with write_transaction():
        for thread_id, kind in sorted(opt_outs):
            LabelOptOut.insert(org=user.org_id, user=user.id, gmail_thread_id=thread_id, kind=kind).on_conflict_ignore().execute()
            if kind == "deals":
                # The label is off in Gmail already: the round must neither remove it nor move the thread.
                ThreadLabel.delete().where(
                    (ThreadLabel.user == user.id) & (ThreadLabel.gmail_thread_id == thread_id) & ThreadLabel.label.in_(DEAL_LABELS)
                ).execute()
    return len({thread_id for thread_id, _ in opt_outs})
