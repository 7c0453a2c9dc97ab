"""Take Threadbook's labels out of Gmail when a mailbox disconnects, if the organisation chose it.

With the organisation's ``remove_labels_on_disconnect`` on (an administrator's
choice, off by default), disconnecting a mailbox (the user's own, every
mailbox of the organisation, or the service account's) first deletes, with the
mailbox's still valid credentials, the labels Threadbook *created* in that
Gmail: ``labels.delete`` takes a label off every message and thread in one
call. Labels Threadbook adopted because the user already had them (same name,
any case) stay: they were the user's before. What Threadbook remembered about
labels in that mailbox (ids, sorted threads, opt-outs) is forgotten.

Off, the labels stay in Gmail and Threadbook keeps their ids, so a mailbox
connected again goes on with the same labels. Best effort either way: a Google
failure is logged and audited, and the mailbox disconnects all the same.
"""

import logging

from threadbook import audit
from threadbook.db import write_transaction
from threadbook.google.access import mailbox_gmail
from threadbook.google.credentials import MissingCredentials
from threadbook.google.errors import GoogleApiError
from threadbook.mail import gmail_labels
from threadbook.models import GmailLabel, LabelOptOut, ThreadLabel, User

log = logging.getLogger(__name__)


def remove_labels(mailboxes, org, actor):
    """Before ``mailboxes`` disconnect: delete their Threadbook labels in Gmail when ``org`` chose it; return {user id: outcome}."""
    if not org.remove_labels_on_disconnect:
        return {}
    outcomes = {}
    for mailbox in mailboxes:
        if mailbox.status != "active" or not GmailLabel.select().where(GmailLabel.user == mailbox.user_id).exists():
            continue
        user = User.get_by_id(mailbox.user_id)
        outcomes[user.id] = _remove(mailbox, user, org, actor)
    return outcomes


def _remove(mailbox, user, org, actor):
    try:
        deleted = gmail_labels.delete_created_labels(mailbox_gmail(mailbox, user, org), user)
    except (MissingCredentials, GoogleApiError) as exc:
        log.warning("mailbox %s: Threadbook's labels could not be removed from Gmail (%s)", mailbox.id, exc.__class__.__name__)
        with write_transaction():
            audit.record("mailbox.labels_kept", org=org.id, user=actor, mailbox_user_id=user.id, reason=str(exc)[:300])
        return "failed"
    with write_transaction():
        ThreadLabel.delete().where(ThreadLabel.user == user.id).execute()
        LabelOptOut.delete().where(LabelOptOut.user == user.id).execute()
        audit.record("mailbox.labels_removed", org=org.id, user=actor, mailbox_user_id=user.id, labels=deleted)
    return "removed"
