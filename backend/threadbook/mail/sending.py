"""Send mail from the CRM through the user's own Gmail, log it, and go on logging the thread's replies.

``send_and_log`` builds the message (``mail.messages``; a reply also goes
into the thread of the user's own copy, so Gmail threads it), sends it with
``users.messages.send`` from the user's mailbox, reads the sent message back
(Gmail assigns its own Message-ID) and stores it with ``source="sent"``, then
records a ``TrackedThread``.

Replies in tracked threads are logged without mail sync: every 10 minutes for
users whose connected mailbox holds credentials — unless the user paused their
sync or the organisation turned it off: pausing means no Google call at all —
and on demand with a token from the extension (``POST
/api/v1/tracked-threads/check``, the user's own explicit request). Each check is one
``threads.get`` per thread tracked in the last ``TRACKED_THREAD_DAYS``; only
messages not yet in the user's mailbox copy are stored, under the same rules
as sync (no drafts, spam, trash, purely internal, blocked or automated mail),
as ``source="sent"``: the conversation the user started from the CRM.

Both take the user's token from the extension, or None for their connected
mailbox (``mail.gmail_access``), and raise ``NoMailAccess`` when neither can
be used; Gmail's failures propagate as ``GoogleApiError``.
"""

import dataclasses
import datetime
import logging

from flask import current_app

from threadbook.db import write_transaction
from threadbook.google import errors as google_errors
from threadbook.mail import filters, gmail_labels
from threadbook.mail.content_policy import wants_bodies
from threadbook.mail.gmail_access import NoMailAccess, open_mail
from threadbook.mail.messages import build_message, sent_resource
from threadbook.mail.store import store_gmail_messages
from threadbook.models import Email, Mailbox, MailboxMessage, Organization, TrackedThread, User, utcnow

log = logging.getLogger(__name__)


@dataclasses.dataclass
class SendResult:
    email: Email
    gmail_message_id: str
    gmail_thread_id: str
    warnings: list


# -- sending -------------------------------------------------------------------------
def reply_thread_id(user, original):
    """The Gmail thread of the original in the user's own mailbox (Gmail ids are per mailbox), or None."""
    # The user's own copy of the mail: the original itself, or theirs under the same Message-ID.
    own = (
        original
        if original.owner_id == user.id
        else Email.get_or_none((Email.org == user.org_id) & (Email.owner == user.id) & (Email.message_key == original.message_key))
    )
    if own is None:
        return None
    copy = MailboxMessage.select().where((MailboxMessage.user == user.id) & (MailboxMessage.email == own.id)).first()
    return copy.gmail_thread_id if copy is not None else own.gmail_thread_id


def _refused(exc):
    """Gmail's "not found" for a send into no thread: Gmail refused the message itself (422), nothing asked for is missing."""
    return google_errors.GoogleApiError(exc.message, exc.status, exc.reason).about(service=exc.service)


def _send(sender, raw, thread_id, warnings):
    """Send into ``thread_id``, or into a new thread when the original's is gone; return Gmail's answer."""
    try:
        return sender.send(raw, thread_id)
    except google_errors.NotFound as exc:
        if thread_id is None:
            raise _refused(exc) from exc
    # The original's thread is gone from the mailbox: the headers still thread it for everyone else.
    warnings.append("The original thread is no longer in your Gmail, so the reply starts a new thread there.")
    try:
        return sender.send(raw, None)
    except google_errors.NotFound as exc:
        raise _refused(exc) from exc


def send_and_log(user, org, draft, access_token=None):
    """Send the draft as the user, log it and track its thread; return SendResult. Raises NoMailAccess, GoogleApiError."""
    access = open_mail(user, org, access_token)
    warnings = []
    message = build_message(user, draft)
    raw = message.as_bytes()
    thread_id = reply_thread_id(user, draft.reply_to) if draft.reply_to is not None else None
    sent = _send(access.sender, raw, thread_id, warnings)
    # Sent: from here on nothing may fail the request, or the user would send it twice.
    resource = None
    try:
        resource = access.gmail.get_message(sent["id"], format="full" if wants_bodies(org) else "metadata")
    except google_errors.GoogleApiError as exc:
        log.info("user %s: sent message %s could not be read back (%s); logging what was sent", user.id, sent["id"], exc.status)
    if resource is None:
        resource = sent_resource(message, sent)
    result = store_gmail_messages(org, user, user, [resource], source="sent", visibility=draft.visibility, store_body=wants_bodies(org))
    stored = (result.created or result.existing)[0]
    track_thread(user, sent.get("threadId") or sent["id"])
    return SendResult(stored, sent["id"], sent.get("threadId") or sent["id"], warnings)


def track_thread(user, gmail_thread_id):
    with write_transaction():
        TrackedThread.insert(org=user.org_id, user=user.id, gmail_thread_id=gmail_thread_id).on_conflict(
            conflict_target=[TrackedThread.user, TrackedThread.gmail_thread_id], action="NOTHING"
        ).execute()


# -- replies in tracked threads -------------------------------------------------------
@dataclasses.dataclass
class TrackedReport:
    user_id: int
    threads: int = 0
    stored: int = 0
    email_ids: list = dataclasses.field(default_factory=list)
    gone: int = 0  # threads deleted from the mailbox: no longer tracked
    error: str = ""
    outcome: str = "checked"  # or paused, disabled: not checked (the periodic task only)

    def as_dict(self):
        return dataclasses.asdict(self)


def _fetch_thread(gmail, thread_id, full):
    """Return (thread, whether it came with bodies): full when wanted and the token allows it."""
    if full:
        try:
            return gmail.get_thread(thread_id, format="full"), True
        except google_errors.InsufficientScope:
            pass
    return gmail.get_thread(thread_id, format="metadata"), False


def check_tracked_threads(user, org, access_token=None, days=None):
    """Log new messages of the user's tracked threads; return a TrackedReport. Raises NoMailAccess, GoogleApiError on access failures."""
    return _check_tracked_threads(user, org, open_mail(user, org, access_token).gmail, days)


def _check_tracked_threads(user, org, gmail, days=None):
    days = days if days is not None else current_app.config["TRACKED_THREAD_DAYS"]
    report = TrackedReport(user.id)
    since = utcnow() - datetime.timedelta(days=days)
    tracked = list(TrackedThread.select().where((TrackedThread.user == user.id) & (TrackedThread.created_at >= since)).order_by(TrackedThread.id))
    message_filter = filters.MessageFilter(org, user)
    for row in tracked:
        report.threads += 1
        try:
            thread, with_bodies = _fetch_thread(gmail, row.gmail_thread_id, wants_bodies(org))
        except google_errors.NotFound:
            with write_transaction():
                row.delete_instance()
            report.gone += 1
            continue
        messages = thread.get("messages") or []
        known = {
            gid
            for (gid,) in MailboxMessage.select(MailboxMessage.gmail_message_id)
            .where((MailboxMessage.user == user.id) & MailboxMessage.gmail_message_id.in_([m["id"] for m in messages] or [""]))
            .tuples()
        }
        fresh = [m for m in messages if m["id"] not in known and message_filter.classify(m)[0] == filters.STORE]
        if not fresh:
            continue
        # Replies keep the thread's level: private for a thread kept private, else the defaults.
        result = store_gmail_messages(org, user, user, fresh, source="sent", store_body=with_bodies)
        placed = result.created + result.linked
        report.stored += len(placed)
        report.email_ids.extend(e.id for e in placed)
        if placed:
            # Labelled as sync labels them: Threadbook/Logged, and the thread's deal label when sorted.
            gmail_labels.label_new_messages(gmail, user, fresh)
    return report


def users_with_tracked_threads(days=None):
    """Ids of users with recently tracked threads and a connected mailbox whose credentials can read them."""
    days = days if days is not None else current_app.config["TRACKED_THREAD_DAYS"]
    since = utcnow() - datetime.timedelta(days=days)
    recent = TrackedThread.select(TrackedThread.user).where(TrackedThread.created_at >= since)
    query = (
        Mailbox.select(Mailbox.user)
        .join(User, on=(Mailbox.user == User.id))
        .switch(Mailbox)
        .join(Organization, on=(Mailbox.org == Organization.id))
        .where((Mailbox.status == "active") & Mailbox.user.in_(recent) & (User.sync_paused == False) & (Organization.sync_enabled == True))
        .order_by(Mailbox.user)
    )
    return [m.user_id for m in query]


def check_tracked_threads_of(user_id):
    """Check one user's tracked threads with their stored credentials (the periodic task's body)."""
    user = User.get_or_none(User.id == user_id)
    if user is None:
        return None
    org = Organization.get_by_id(user.org_id)
    if user.sync_paused or not org.sync_enabled:
        # Queued before the user paused or the organisation turned sync off: no Google call now.
        return TrackedReport(user.id, outcome="paused" if user.sync_paused else "disabled")
    try:
        return check_tracked_threads(user, org)
    except NoMailAccess as exc:
        return TrackedReport(user.id, error=str(exc))
    except google_errors.GoogleApiError as exc:
        log.warning("user %s: checking tracked threads failed: %s", user.id, exc)
        return TrackedReport(user.id, error=f"Gmail answered {exc.status or 'no status'}: {exc.message[:300]}")
