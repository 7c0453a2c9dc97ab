"""Unlog mail: take a person's copies out of the CRM, remember it, and take the ``Threadbook/Logged`` label off in Gmail.

``unlog_email`` removes one copy: its owner may, and an administrator of the
organisation may (a colleague who can see it may not; one who cannot gets
``EmailNotFound``). ``unlog_thread`` removes the caller's own copies in one of
their Gmail threads, or the chosen messages of it. Both are audited
(``email.unlogged``, ``thread.unlogged``).

Only the copies go (with their mailbox places and participants): contacts,
leads, notes, deals and colleagues' copies of the same mail stay. Each
unlogged mail is remembered for its owner (mail/unlogged.py) so mail sync,
the dropbox and tracked replies do not log it again; logging the thread by
hand does. Unlogging a whole thread also stops tracking its replies.

The label comes off the way logging put it on (mail/threads.py): with the
caller's token when it may change labels and the mail is theirs, else through
the owner's connected mailbox. It is best effort: a failure never undoes the
unlog, it only says why the label stayed (``label``: removed or skipped).
"""

import dataclasses

from threadbook import audit
from threadbook.crm.participants import own_copies_in_thread
from threadbook.db import write_transaction
from threadbook.google import errors as google_errors
from threadbook.identity.access import can_unlog
from threadbook.mail import gmail_labels, unlogged
from threadbook.mail.emails import visible_email
from threadbook.mail.gmail_access import NoMailAccess, mailbox_gmail_for, open_mail
from threadbook.mail.threads import LOGGED_LABEL
from threadbook.models import Email, EmailParticipant, MailboxMessage, ThreadLabel, TrackedThread, User


class NotAllowedToUnlog(Exception):
    """The person may see the email but it is not theirs to unlog."""


@dataclasses.dataclass
class Unlogged:
    """What an unlog did: the email ids removed, and whether the Gmail label came off (and why not)."""

    email_ids: list
    label: str  # "removed" or "skipped"
    label_reason: str | None = None


@dataclasses.dataclass
class _Place:
    gmail_message_id: str
    gmail_thread_id: str


def _remove_copies(org_id, owner_id, emails):
    """Delete the owner's copies (places and participants too) and remember them; return their mailbox places."""
    ids = [e.id for e in emails]
    places = [
        _Place(m, t)
        for m, t in MailboxMessage.select(MailboxMessage.gmail_message_id, MailboxMessage.gmail_thread_id)
        .where(MailboxMessage.email.in_(ids) & (MailboxMessage.user == owner_id))
        .tuples()
    ]
    unlogged.remember(org_id, owner_id, [e.message_key for e in emails])
    MailboxMessage.delete().where(MailboxMessage.email.in_(ids)).execute()
    EmailParticipant.delete().where(EmailParticipant.email.in_(ids)).execute()
    Email.delete().where(Email.id.in_(ids)).execute()
    return places


def unlog_email(user, org, email_id, access_token=None):
    """Unlog one email (its owner, or an administrator); return Unlogged. Raises EmailNotFound, NotAllowedToUnlog."""
    with write_transaction():
        email = visible_email(user, email_id)
        if not can_unlog(user, email):
            raise NotAllowedToUnlog("Only the person whose mail this is, or an administrator, can unlog it.")
        places = _remove_copies(email.org_id, email.owner_id, [email])
        audit.record(
            "email.unlogged",
            org=user.org_id,
            user=user.id,
            email_id=email.id,
            owner_id=email.owner_id,
            thread_id=email.gmail_thread_id,
            source=email.source,
        )
    owner = user if email.owner_id == user.id else User.get_or_none(User.id == email.owner_id)
    label, reason = _take_label_off(user, org, owner, places, access_token)
    return Unlogged([email.id], label, reason)


def unlog_thread(user, org, thread_id, message_ids=None, access_token=None):
    """Unlog the user's own copies in their Gmail thread (only those of ``message_ids`` when given); return Unlogged."""
    with write_transaction():
        ids = own_copies_in_thread(user, thread_id)
        emails = list(Email.select().where(Email.id.in_(ids) & (Email.owner == user.id))) if ids else []
        if message_ids is not None:
            wanted = set(message_ids)
            placed = {
                email_id
                for (email_id,) in MailboxMessage.select(MailboxMessage.email)
                .where((MailboxMessage.user == user.id) & MailboxMessage.gmail_message_id.in_(sorted(wanted)))
                .tuples()
            }
            emails = [e for e in emails if e.id in placed or e.gmail_message_id in wanted]
        places = _remove_copies(user.org_id, user.id, emails) if emails else []
        if message_ids is None:
            TrackedThread.delete().where((TrackedThread.user == user.id) & (TrackedThread.gmail_thread_id == thread_id)).execute()
        removed = sorted(e.id for e in emails)
        if removed:
            audit.record("thread.unlogged", org=user.org_id, user=user.id, thread_id=thread_id, email_ids=removed, message_ids=message_ids)
    if not emails:
        return Unlogged([], "skipped", "Nothing of yours was logged in this thread.")
    label, reason = _take_label_off(user, org, user, places, access_token, thread_id=thread_id)
    return Unlogged(removed, label, reason)


# -- the Gmail label --------------------------------------------------------------------


def _ways(user, org, owner, access_token):
    """[(via, Gmail)] to try in order: the caller's token for their own mail, then the owner's connected mailbox."""
    ways = []
    if access_token and owner.id == user.id:
        try:
            ways.append(("token", open_mail(user, org, access_token).gmail))
        except NoMailAccess:
            pass
    mailbox = mailbox_gmail_for(owner, org)
    if mailbox is not None:
        ways.append(("mailbox", mailbox))
    return ways


def _take_label_off(user, org, owner, places, access_token, thread_id=None):
    """Remove the label from the unlogged messages, or from the thread when none of the owner's copies is left in it.

    Returns ("removed", None) or ("skipped", reason); never raises for Gmail.
    """
    if owner is None or not places:
        return "skipped", "The mail was not in a Gmail mailbox, so there was no label to remove."
    threads = {p.gmail_thread_id for p in places} | ({thread_id} if thread_id else set())
    emptied = [t for t in sorted(threads) if not own_copies_in_thread(owner, t)]
    message_ids = sorted({p.gmail_message_id for p in places if p.gmail_thread_id not in emptied})
    ways = _ways(user, org, owner, access_token)
    if not ways:
        return "skipped", (
            f"'{LOGGED_LABEL}' stays in Gmail: the access token may not change labels and there is no connected mailbox to do it. "
            "The mail is unlogged all the same."
        )
    reason = None
    for _via, gmail in ways:
        try:
            label_id = gmail_labels.existing_id(gmail, owner, LOGGED_LABEL)
            if label_id is not None:
                for thread in emptied:
                    try:
                        gmail.modify_thread(thread, remove_label_ids=[label_id])
                    except google_errors.NotFound:
                        pass  # the thread is gone from Gmail, and its label with it
                if message_ids:
                    gmail.batch_modify_messages(message_ids, remove_label_ids=[label_id])
        except (google_errors.InsufficientScope, google_errors.ReauthRequired) as exc:
            reason = f"'{LOGGED_LABEL}' stays in Gmail: the access may not change labels ({exc.message}). The mail is unlogged all the same."
            continue
        except google_errors.GoogleApiError as exc:
            return "skipped", f"Gmail did not remove '{LOGGED_LABEL}' ({exc.message}). The mail is unlogged all the same."
        if emptied:
            with write_transaction():
                ThreadLabel.delete().where(
                    (ThreadLabel.user == owner.id) & ThreadLabel.gmail_thread_id.in_(emptied) & (ThreadLabel.label == LOGGED_LABEL)
                ).execute()
        return "removed", None
    return "skipped", reason
