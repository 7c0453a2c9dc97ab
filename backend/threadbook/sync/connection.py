"""Connect, pause, disconnect: the write paths behind the mailbox services, and how they refuse.

Credentials are stored encrypted (``crypto``) and never returned. Disconnecting
revokes the refresh token at Google (best effort: a token Google already
forgot is the wanted outcome), deletes the stored credentials and the sync
position, and keeps every message already logged. Each call that writes must
run inside ``write_transaction``; revocation happens after the commit, through
the ``revoke_later`` list the caller passes on to ``revoke_all``.
"""

import json
import logging

from flask import current_app

from threadbook import audit, crypto
from threadbook.crm.serializers import iso
from threadbook.google import oauth
from threadbook.google.credentials import revoke_uri
from threadbook.models import Mailbox, Organization, User
from threadbook.sync import lease, reconcile

log = logging.getLogger(__name__)


class MailboxRefused(Exception):
    """A mailbox action was refused: ``reason`` names why (the API answers each reason), ``field`` the input at fault."""

    def __init__(self, reason, message, field=None):
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.field = field


RESET_POSITION = {
    "history_id": None,
    "backfill_page_token": None,
    "backfill_since": None,
    "backfill_done": False,
    "lease_owner": None,
    "lease_until": None,
}


def status_of(user, org, mailbox):
    """Return the mailbox's state for ``GET /api/v1/mailbox`` (no secrets)."""
    connected = mailbox is not None and mailbox.status != "disconnected"
    if mailbox is None:
        status = "not_connected"
    elif mailbox.status in ("disconnected", "needs_reconnect"):
        status = mailbox.status
    elif not org.sync_enabled:
        status = "disabled"
    elif user.sync_paused:
        status = "paused"
    elif lease.is_held(mailbox):
        status = "syncing"
    else:
        status = "active"
    return {
        "connected": connected,
        "kind": mailbox.kind if connected else None,
        "email": user.email,
        "status": status,
        "needs_reconnect": bool(mailbox and mailbox.status == "needs_reconnect"),
        "sync_paused": bool(user.sync_paused),
        "org_sync_enabled": bool(org.sync_enabled),
        "messages_synced": mailbox.messages_synced if mailbox else 0,
        "backfill_done": bool(mailbox and mailbox.backfill_done),
        "backfill_days": current_app.config.get("SYNC_BACKFILL_DAYS", 90),
        "syncing": status == "syncing",
        "last_synced_at": iso(mailbox.last_synced_at) if mailbox else None,
        "last_error": mailbox.last_error if mailbox else None,
        "connected_at": iso(mailbox.created_at) if connected else None,
        "last_reconciliation": reconcile.last_reconciliation(mailbox) if connected else None,
        # A replaced grant Google has not revoked yet (sync/readdress.py retries it hourly).
        "old_grant_revocation_pending": bool(mailbox and mailbox.pending_revocation),
    }


def store_oauth_grant(user, refresh_token, scopes, revoke_later, account_sub=None):
    """Save a user's new refresh token (encrypted) and make the mailbox active; return the mailbox.

    Reconnecting after ``needs_reconnect`` keeps the sync position, so sync
    resumes where it stopped; the replaced token is queued for revocation.
    """
    mailbox = Mailbox.get_or_none(Mailbox.user == user.id)
    encrypted = crypto.encrypt(refresh_token)
    if mailbox is None:
        mailbox = Mailbox.create(org=user.org_id, user=user.id, kind="oauth", refresh_token=encrypted, scopes=scopes, status="active", account_sub=account_sub)
    else:
        if mailbox.refresh_token:
            revoke_later.append(decrypt_quietly(mailbox.refresh_token))
        if mailbox.status == "disconnected":
            for name, value in RESET_POSITION.items():
                setattr(mailbox, name, value)
        mailbox.kind, mailbox.refresh_token, mailbox.scopes = "oauth", encrypted, scopes
        mailbox.status, mailbox.last_error = "active", None
        mailbox.account_sub = account_sub or mailbox.account_sub
        mailbox.save()
    audit.record("mailbox.connected", org=user.org_id, user=user, kind="oauth")
    return mailbox


def disconnect(mailbox, actor, revoke_later):
    """Forget a mailbox's credentials and sync position; keep its logged mail."""
    if mailbox.refresh_token:
        revoke_later.append(decrypt_quietly(mailbox.refresh_token))
    Mailbox.update(refresh_token=None, status="disconnected", last_error=None, **RESET_POSITION).where(Mailbox.id == mailbox.id).execute()
    audit.record("mailbox.disconnected", org=mailbox.org_id, user=actor, mailbox_user_id=mailbox.user_id, kind=mailbox.kind)


def disconnect_org(org, actor, revoke_later):
    """Disconnect every mailbox of the organisation and remove its service account; return how many."""
    mailboxes = list(Mailbox.select().where((Mailbox.org == org.id) & (Mailbox.status != "disconnected")))
    for mailbox in mailboxes:
        disconnect(mailbox, actor, revoke_later)
    if org.service_account_key:
        remove_service_account(org, actor)
    return len(mailboxes)


def set_service_account(org, key_info, actor):
    """Store the organisation's service-account key (encrypted) and give every member a mailbox."""
    Organization.update(service_account_key=crypto.encrypt(json.dumps(key_info))).where(Organization.id == org.id).execute()
    for user in User.select().where(User.org == org.id):
        mailbox = Mailbox.get_or_none(Mailbox.user == user.id)
        if mailbox is None:
            Mailbox.create(org=org.id, user=user.id, kind="service_account", status="active")
        elif mailbox.kind == "service_account" and mailbox.status == "needs_reconnect":
            mailbox.status, mailbox.last_error = "active", None
            mailbox.save()
    audit.record("org.service_account_set", org=org.id, user=actor, client_email=key_info["client_email"])


def remove_service_account(org, actor):
    """Delete the organisation's service-account key; its mailboxes stop (their mail stays)."""
    Organization.update(service_account_key=None).where(Organization.id == org.id).execute()
    Mailbox.update(status="disconnected", last_error=None, **RESET_POSITION).where((Mailbox.org == org.id) & (Mailbox.kind == "service_account")).execute()
    audit.record("org.service_account_removed", org=org.id, user=actor)


def revoke_all(tokens, config=None):
    """Revoke refresh tokens at Google after the commit; return how many Google confirmed."""
    config = config or current_app.config
    done = 0
    for token in tokens:
        if token and oauth.revoke(revoke_uri(config), token):
            done += 1
        elif token:
            log.warning("a refresh token could not be revoked at Google; it was deleted here all the same")
    return done


def decrypt_quietly(value):
    try:
        return crypto.decrypt(value)
    except crypto.DecryptionFailed:
        return None  # nothing we can revoke; it is deleted all the same
