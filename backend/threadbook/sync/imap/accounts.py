"""A user's IMAP accounts: connect (the login is tried before anything is saved), change, remove, sync now; every member's state for administrators.

Accounts are the user's own: another user, a colleague or an administrator,
gets 404 for someone else's account (administrators read every member's
state, never a secret, through ``org_states``). The password is encrypted at
rest (crypto.py) and never returned; removing an account deletes it with its
folders' positions, and the mail already logged stays.
"""

import re

from flask import current_app

from threadbook import audit, crypto
from threadbook.crm.serializers import iso
from threadbook.db import write_transaction
from threadbook.jobs import queue
from threadbook.models import ImapAccount, ImapFolder, User
from threadbook.sync.imap.client import ImapConnection, ImapFailure, ImapSettings
from threadbook.sync.imap.due import inactive_reason

MAX_ACCOUNTS = 10  # per user
_HOST = re.compile(r"^[A-Za-z0-9._:\[\]-]{1,253}$")  # a DNS name or an IP address (IPv6 in brackets or not)


class ImapRefused(Exception):
    """An IMAP account action was refused: ``reason`` names why (the API answers each), ``field`` the input at fault."""

    def __init__(self, reason, message, field=None):
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.field = field


# ImapFailure.reason -> the input a person should look at.
_FAILURE_FIELDS = {"login": "password", "unreachable": "host", "tls": "tls", "host_not_allowed": "host", "protocol": "port"}


def describe(account, user=None):
    """The account's state as the API shows it: never the password."""
    folders = {f.role: f for f in ImapFolder.select().where(ImapFolder.account == account.id)}
    user = user or User.get_by_id(account.user_id)
    return {
        "id": account.id,
        "user_id": account.user_id,
        "host": account.host,
        "port": account.port,
        "tls": account.tls,
        "username": account.username,
        "status": account.status,
        "needs_reconnect": account.status == "needs_reconnect",
        "sync_paused": bool(user.sync_paused),
        "messages_synced": account.messages_synced,
        "syncing": account.lease_owner is not None,
        "last_synced_at": iso(account.last_synced_at),
        "last_error": account.last_error,
        "last_error_at": iso(account.last_error_at),
        "folders": [{"role": f.role, "name": f.name, "last_synced_at": iso(f.last_synced_at)} for f in folders.values()],
        "created_at": iso(account.created_at),
    }


def _own(user, account_id):
    account = ImapAccount.get_or_none((ImapAccount.id == account_id) & (ImapAccount.user == user.id) & (ImapAccount.org == user.org_id))
    if account is None:
        raise ImapRefused("not_found", f"You have no IMAP account {account_id}.")
    return account


def list_own(user):
    return [describe(a, user) for a in ImapAccount.select().where((ImapAccount.user == user.id) & (ImapAccount.org == user.org_id)).order_by(ImapAccount.id)]


def get_own(user, account_id):
    return describe(_own(user, account_id), user)


def check_host(host):
    if not _HOST.match(host):
        raise ImapRefused("invalid", "'host' must be a host name or an IP address, such as imap.fastmail.com.", field="host")
    return host.lower().strip("[]")


def verify_login(host, port, tls, username, password):
    """Log in once and list the folders, or raise ImapRefused with the server's words; nothing is saved."""
    try:
        with ImapConnection.open(host, port, tls, username, password, ImapSettings.from_config(current_app.config)) as conn:
            conn.folders()
    except ImapFailure as exc:
        raise ImapRefused(f"imap_{exc.reason}", exc.message, field=_FAILURE_FIELDS.get(exc.reason)) from None


def connect(user, org, host, port, tls, username, password):
    """Verify the login, then save the account (password encrypted) and queue its first sync; return its state."""
    host = check_host(host)
    if ImapAccount.select().where(ImapAccount.user == user.id).count() >= MAX_ACCOUNTS:
        raise ImapRefused("too_many", f"You can connect at most {MAX_ACCOUNTS} IMAP accounts.")
    if ImapAccount.get_or_none((ImapAccount.user == user.id) & (ImapAccount.host == host) & (ImapAccount.username == username)):
        raise ImapRefused("exists", f"You have already connected {username} at {host}.", field="username")
    verify_login(host, port, tls, username, password)
    with write_transaction():
        account = ImapAccount.create(org=org.id, user=user.id, host=host, port=port, tls=tls, username=username, password=crypto.encrypt(password))
        audit.record("imap.connect", org=org.id, user=user.id, account_id=account.id, host=host)
    queue_sync(account.id)
    return describe(ImapAccount.get_by_id(account.id), user)


def update(user, org, account_id, changes):
    """Change the account's server, login or password; a change is verified by logging in before it is saved."""
    account = _own(user, account_id)
    if "host" in changes:
        changes["host"] = check_host(changes["host"])
    target = {name: changes.get(name, getattr(account, name)) for name in ("host", "port", "tls", "username")}
    password = changes.get("password")
    if password is None:
        try:
            password = crypto.decrypt(account.password) if account.password else None
        except crypto.DecryptionFailed:
            password = None
        if password is None:
            raise ImapRefused("invalid", "Enter the account's password again.", field="password")
    moved = target["host"] != account.host or target["username"] != account.username
    if moved and ImapAccount.get_or_none(
        (ImapAccount.user == user.id) & (ImapAccount.host == target["host"]) & (ImapAccount.username == target["username"]) & (ImapAccount.id != account.id)
    ):
        raise ImapRefused("exists", f"You have already connected {target['username']} at {target['host']}.", field="username")
    verify_login(target["host"], target["port"], target["tls"], target["username"], password)
    with write_transaction():
        if moved:  # another mailbox: its folders start over (mail already stored is recognised by Message-ID)
            ImapFolder.delete().where(ImapFolder.account == account.id).execute()
        fields = {**target, "password": crypto.encrypt(password), "status": "active", "failures": 0, "last_error": None}
        ImapAccount.update(**fields).where(ImapAccount.id == account.id).execute()
        audit.record("imap.update", org=org.id, user=user.id, account_id=account.id, fields=sorted(changes))
    queue_sync(account.id)
    return describe(ImapAccount.get_by_id(account.id), user)


def remove(user, org, account_id):
    """Delete the account, its password and folder positions; logged mail stays."""
    with write_transaction():
        account = _own(user, account_id)
        account.delete_instance(recursive=True)
        audit.record("imap.disconnect", org=org.id, user=user.id, account_id=account_id, host=account.host)


def sync_now(user, org, account_id):
    """Queue a sync of the account, or refuse saying why it may not sync."""
    account = _own(user, account_id)
    reason = inactive_reason(account, User.get_by_id(user.id), org)
    messages = {
        "needs_reconnect": ("needs_reconnect", "The server refused the stored login: enter the password again."),
        "disabled": ("sync_disabled", "Your organisation has turned mail sync off; ask an administrator."),
        "paused": ("sync_paused", "Your sync is paused; resume it first."),
    }
    if reason:
        raise ImapRefused(*messages[reason])
    queue_sync(account.id)
    return describe(ImapAccount.get_by_id(account.id), user)


def org_states(org):
    """Every member's IMAP accounts (state only, never a secret), for administrators."""
    users = {u.id: u for u in User.select().where(User.org == org.id)}
    accounts = ImapAccount.select().where(ImapAccount.org == org.id).order_by(ImapAccount.user, ImapAccount.id)
    return [{**describe(a, users[a.user_id]), "user_email": users[a.user_id].email} for a in accounts if a.user_id in users]


def queue_sync(account_id):
    """Queue a sync of one account; a queue that is down must not fail the request that asked."""
    try:
        queue.enqueue("sync_imap_account", account_id)
    except Exception:
        current_app.logger.exception("could not queue a sync of IMAP account %s", account_id)
