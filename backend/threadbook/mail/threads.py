"""Log a Gmail thread on request, idempotently: fetch it, store its messages, label it ``Threadbook/Logged``.

``log_thread`` fetches the thread with ``users.threads.get`` (format=full when
the organisation stores bodies and the token may read them, else metadata),
stores every message, or the chosen ones, as the caller's own copies through
``mail.store.store_gmail_messages``, and labels the thread in Gmail, recording
the label in ``ThreadLabel``: with the token when it may change labels
(gmail.modify), else through the user's connected mailbox (same account,
granted gmail.modify when it was connected). ``label_via`` says which.
Logging again, or twenty times at once, stores nothing more. Logging by hand
stores mail the caller had unlogged, and forgets that they did (mail/unlogged.py).
With a ``deal`` (mail/deals.py), the caller's copies in the thread (the chosen
messages only, when some are chosen), new and already logged, are linked to
it; ``None`` unlinks them.

With the organisation's ``blocklist_applies_to_manual_logs`` (default on),
messages with a blocked participant are left out, with a warning
(``filters.without_blocked_for_manual_log``).

Gmail's failures while reading propagate as ``GoogleApiError`` (a missing
thread names it: ``.about(subject="thread <id>")``); a failure while labelling
never fails the log, it only says why the label was skipped.
"""

import dataclasses

from threadbook.crm.participants import own_copies_in_thread
from threadbook.db import write_transaction
from threadbook.google import errors as google_errors
from threadbook.mail import deals, filters, gmail_labels
from threadbook.mail.content_policy import wants_bodies
from threadbook.mail.gmail_access import mailbox_gmail_for, open_mail
from threadbook.mail.store import StoreResult, store_gmail_messages
from threadbook.models import Email, ThreadLabel

LOGGED_LABEL = gmail_labels.LOGGED
METADATA_ONLY = "The access token allows metadata only, so message bodies were not stored."


class MessagesNotInThread(Exception):
    """Some of the chosen messages are not in the thread; ``missing`` lists them."""

    def __init__(self, thread_id, missing):
        super().__init__(f"Gmail's thread {thread_id} has no message {', '.join(missing)}.")
        self.thread_id = thread_id
        self.missing = missing


@dataclasses.dataclass
class ThreadLog:
    """What ``log_thread`` did: the stored mail, whether the label was applied (and why not), warnings."""

    thread_id: str
    stored: StoreResult
    label: str  # "applied" or "skipped"
    label_reason: str | None
    warnings: list
    label_via: str | None = None  # "token" or "mailbox" when applied
    deal: object = None  # the Deal every logged message of the call is linked to, or None

    @property
    def stored_anything(self):
        """Whether the call stored or newly placed mail (201) rather than finding it all logged (200)."""
        return bool(self.stored.created or self.stored.linked)


def fetch_thread_messages(gmail, thread_id, want_bodies, warnings):
    """The thread's messages; with metadata only (and a warning) when the token cannot read bodies. Raises GoogleApiError."""
    try:
        if want_bodies:
            try:
                return gmail.get_thread(thread_id, format="full")["messages"]
            except google_errors.InsufficientScope:
                warnings.append(METADATA_ONLY)
        return gmail.get_thread(thread_id, format="metadata")["messages"]
    except google_errors.NotFound as exc:
        exc.about(subject=f"thread {thread_id}")
        raise


class LabelNotAllowed(Exception):
    """The Gmail access may read but not change labels (it lacks gmail.modify)."""


def apply_logged_label(gmail, user, thread_id):
    """Label the thread in Gmail; return ("applied", None) or ("skipped", reason). Raises LabelNotAllowed; never GoogleApiError."""
    try:
        label_id = gmail_labels.label_ids(gmail, user, [LOGGED_LABEL])[LOGGED_LABEL]
        gmail.modify_thread(thread_id, add_label_ids=[label_id])
    except google_errors.InsufficientScope as exc:
        raise LabelNotAllowed(str(exc)) from exc
    except google_errors.GoogleApiError as exc:
        return "skipped", f"Gmail did not apply '{LOGGED_LABEL}' ({exc.message}). The thread is logged all the same."
    with write_transaction():
        ThreadLabel.insert(org=user.org_id, user=user.id, gmail_thread_id=thread_id, label=LOGGED_LABEL).on_conflict(
            conflict_target=[ThreadLabel.user, ThreadLabel.gmail_thread_id, ThreadLabel.label], action="NOTHING"
        ).execute()
    gmail_labels.lift_opt_outs(user.id, thread_id)  # logged by hand: labels it again (sync/label_rules.py)
    return "applied", None


def label_logged_thread(gmail, user, org, thread_id):
    """Label with the token's Gmail, else through the connected mailbox; return (status, reason, via)."""
    try:
        status, reason = apply_logged_label(gmail, user, thread_id)
        return status, reason, "token" if status == "applied" else None
    except LabelNotAllowed:
        pass
    mailbox_gmail = mailbox_gmail_for(user, org)
    if mailbox_gmail is None:
        return (
            "skipped",
            f"The access token may not change labels, so '{LOGGED_LABEL}' was not applied in Gmail (it needs the gmail.modify scope). "
            "Connect your mailbox in Threadbook to have logged threads labelled. The thread is logged all the same.",
            None,
        )
    try:
        status, reason = apply_logged_label(mailbox_gmail, user, thread_id)
    except LabelNotAllowed:
        return "skipped", f"Your connected mailbox may not change labels, so '{LOGGED_LABEL}' was not applied in Gmail; connect it again.", None
    return status, reason, "mailbox" if status == "applied" else None


def _chosen(messages, thread_id, message_ids):
    """The messages named in ``message_ids`` (all of them when None); raises MessagesNotInThread."""
    if message_ids is None:
        return messages
    present = {m["id"] for m in messages}
    missing = [mid for mid in message_ids if mid not in present]
    if missing:
        raise MessagesNotInThread(thread_id, missing)
    wanted = set(message_ids)
    return [m for m in messages if m["id"] in wanted]


def log_thread(user, org, thread_id, access_token, message_ids=None, visibility=None, deal=deals.KEEP):
    """Log the user's Gmail thread (or the chosen messages of it) as their own copies; return ThreadLog.

    ``deal`` is a Deal of the organisation to link the copies to, None to
    unlink them, or ``deals.KEEP``. Raises NoMailAccess, MessagesNotInThread,
    or GoogleApiError when Gmail cannot be read.
    """
    gmail = open_mail(user, org, access_token).gmail
    warnings = []
    messages = _chosen(fetch_thread_messages(gmail, thread_id, wants_bodies(org), warnings), thread_id, message_ids)
    messages, blocked = filters.without_blocked_for_manual_log(org, user, messages)
    stored = store_gmail_messages(
        org,
        owner=user,
        logged_by=user,
        messages=messages,
        source="manual",
        visibility=visibility,
        store_body=wants_bodies(org) and not warnings,
        relog=True,
    )
    if blocked:
        warnings.append(filters.blocked_warning(blocked))
        if not messages:
            return ThreadLog(thread_id, stored, "skipped", "Nothing in this thread was logged, so it was not labelled.", warnings)
    ids = [e.id for e in stored.emails]
    if deal is not deals.KEEP:
        with write_transaction():
            deals.link(user, ids if message_ids is not None else set(ids) | set(own_copies_in_thread(user, thread_id)), deal)
        if stored.created:
            # Reread: the rows were loaded before they were linked.
            fresh = {e.id: e for e in Email.select().where(Email.id.in_([e.id for e in stored.created]))}
            stored.created = [fresh[e.id] for e in stored.created]
    label, reason, via = label_logged_thread(gmail, user, org, thread_id)
    return ThreadLog(thread_id, stored, label, reason, warnings, label_via=via, deal=deals.common_deal(ids))
