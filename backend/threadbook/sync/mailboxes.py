"""A user's mailbox sync: status, sync now, pause, resume, disconnect; and every member's, for administrators.

Connecting is ``connect_oauth`` (the user's own grant) or ``service_account``
(the organisation's); the writes themselves are ``connection``'s. Refusals
are ``MailboxRefused`` with a reason the API answers.
"""

from threadbook.db import write_transaction
from threadbook.identity import sync_schedules
from threadbook.models import Mailbox, User
from threadbook.sync import connection, health, label_cleanup, service_account
from threadbook.sync.connection import MailboxRefused
from threadbook.sync.queueing import queue_sync, queue_sync_soon


def own_mailbox(user, org):
    """Return the user's mailbox in the organisation, or None (never connected)."""
    return Mailbox.get_or_none((Mailbox.user == user.id) & (Mailbox.org == org.id))


def status(user, org):
    """Return the user's mailbox state (``connection.status_of``) with its ``health`` (sync/health.py), read afresh."""
    return _with_health(User.get_by_id(user.id), org, own_mailbox(user, org))


def _with_health(user, org, mailbox):
    state = connection.status_of(user, org, mailbox)
    return {**state, "health": health.of(user, org, mailbox, state)}


def alerts(user, org):
    """Whether the user's sync is broken or needs reconnecting, and their unread notifications (``GET /me/alerts``)."""
    user, mailbox = User.get_by_id(user.id), own_mailbox(user, org)
    return health.alerts(user, org, mailbox, connection.status_of(user, org, mailbox))


def sync_now(user, org):
    """Queue a sync of the user's mailbox (whatever their schedule, manual too), or refuse saying why it may not sync.

    Return False when a "Sync now" was already waiting: repeated clicks queue one job. ``QueueUnavailable``
    when nothing could be queued.
    """
    mailbox = own_mailbox(user, org)
    if mailbox is None or mailbox.status == "disconnected":
        raise MailboxRefused("not_connected", "Your mailbox is not connected; connect it first.")
    if mailbox.status == "needs_reconnect":
        raise MailboxRefused("needs_reconnect", "Google no longer accepts your mailbox's authorisation; connect it again.")
    if not org.sync_enabled:
        raise MailboxRefused("sync_disabled", "Your organisation has turned mail sync off; ask an administrator.")
    if User.get_by_id(user.id).sync_paused:
        raise MailboxRefused("sync_paused", "Your sync is paused; resume it first.")
    with sync_schedules.requesting_run(user, "mail") as fresh:
        if fresh:
            queue_sync(mailbox.id)  # raising QueueUnavailable withdraws the request: the next click queues again
    return fresh


def pause(user):
    with write_transaction():
        User.update(sync_paused=True).where(User.id == user.id).execute()


def resume(user, org):
    """Resume the user's sync and, when the mailbox may sync, queue a run at once."""
    with write_transaction():
        User.update(sync_paused=False).where(User.id == user.id).execute()
    mailbox = own_mailbox(user, org)
    if mailbox is not None and mailbox.status == "active" and org.sync_enabled:
        queue_sync_soon(mailbox.id)  # resumed either way: a queue that is down leaves this run to the periodic schedule


def disconnect(user, org):
    """Forget the user's credentials (revoked at Google after the commit) and sync position; logged mail stays.

    First, if the organisation chose it, Threadbook's labels leave the user's Gmail (``label_cleanup``).
    """
    mailbox = own_mailbox(user, org)
    if mailbox is not None:
        label_cleanup.remove_labels([mailbox], org, user)
    revoke_later = []
    with write_transaction():
        mailbox = own_mailbox(user, org)
        if mailbox is None or mailbox.status == "disconnected":
            raise MailboxRefused("not_connected", "Your mailbox is not connected.")
        connection.disconnect(mailbox, user, revoke_later)
    connection.revoke_all(revoke_later)


def org_statuses(org):
    """Return the service account's state and every member's mailbox state (each with ``user_id``)."""
    members = list(User.select().where(User.org == org.id).order_by(User.id))
    mailboxes = {m.user_id: m for m in Mailbox.select().where(Mailbox.org == org.id)}
    return {
        "service_account": service_account.describe(org),
        "mailboxes": [{"user_id": u.id, **_with_health(u, org, mailboxes.get(u.id))} for u in members],
    }


def disconnect_org(org, actor):
    """Disconnect every mailbox of the organisation and remove its service account; return how many mailboxes."""
    label_cleanup.remove_labels(Mailbox.select().where(Mailbox.org == org.id), org, actor)
    revoke_later = []
    with write_transaction():
        count = connection.disconnect_org(org, actor, revoke_later)
    connection.revoke_all(revoke_later)
    return count
