"""Change the connected mailbox to another Google account the user owns, without disconnecting.

``POST /api/v1/me/mailbox/replace`` ``{"email"}`` starts the same OAuth
consent as connecting (connect_oauth.py), sealed with the ``replace`` intent
and the address asked for; ``…/replace/finish`` exchanges the code and, when
Google's account is that address and nobody else's:

- the user's address becomes the new one; the old one is kept as theirs
  (identity/addresses.py), so their mail from it is still recognised as theirs;
- the mailbox row stays (its health, counts and reconciliation history go on)
  with the new grant, and its sync starts afresh: a new backfill. Mail already
  logged is recognised by Message-ID and owner, so nothing is stored twice;
- what Threadbook kept about the *old* Gmail by its ids (labels, sorted
  threads, opt-outs, where each copy sat, what sync left out, threads sent from
  the CRM, calendar tokens) is forgotten: those ids mean nothing in the new
  Gmail. The old Gmail's labels are handled as a disconnect handles them
  (sync/label_cleanup.py): with the organisation's ``remove_labels_on_disconnect``
  they are deleted (Gmail takes each off every thread at once); otherwise they
  stay, fully applied, as they were;
- the old refresh token is revoked at Google and erased. If Google cannot be
  reached, the switch happens all the same; the token stays, encrypted, in
  ``Mailbox.pending_revocation`` (the status says so) and is retried hourly.

A renamed account (same Google ``sub``, new address) needs none of this: sign-in
and connecting follow it and keep the mailbox's position (connect_oauth.py).
"""

import json
import logging

from flask import current_app

from threadbook import audit, crypto, matching
from threadbook.db import write_transaction
from threadbook.google import oauth
from threadbook.google.credentials import revoke_uri
from threadbook.identity import addresses
from threadbook.models import (
    FilteredThread,
    GmailLabel,
    LabelOptOut,
    Mailbox,
    MailboxMessage,
    SkippedMessage,
    SyncedCalendar,
    ThreadLabel,
    TrackedThread,
    User,
)
from threadbook.sync import connect_oauth, connection, label_cleanup
from threadbook.sync.connection import RESET_POSITION, MailboxRefused
from threadbook.sync.queueing import queue_sync_soon

log = logging.getLogger(__name__)

# Rows keyed by the old Gmail's ids, per user: meaningless (or wrong, where ids repeat) in another mailbox.
OLD_GMAIL_STATE = (GmailLabel, ThreadLabel, LabelOptOut, FilteredThread, SkippedMessage, MailboxMessage, TrackedThread)


def start(user, org, email, redirect_uri=None):
    """Check the switch to ``email`` may happen, then return the consent to open (as connect_oauth.start)."""
    connect_oauth.require_client()
    normalized = _target(email)
    if normalized == user.email_normalized:
        raise MailboxRefused("same_address", f"{email} is already your address; to renew Gmail's access, use Connect Gmail instead.", field="email")
    _refuse_taken(user, normalized, email)
    _refuse_service_account(user, org)
    return connect_oauth.start(user, org, redirect_uri, intent="replace", target=normalized)


def finish(user, org, code, state_token, redirect_uri):
    """Switch the user's mailbox to the account Google consented for; return the mailbox (its fresh sync queued)."""
    connect_oauth.require_client()
    state = connect_oauth.state_of(user, org, state_token, redirect_uri, intent="replace")
    tokens = connect_oauth.exchange(code, state["v"], redirect_uri)
    refresh_token = tokens.get("refresh_token")
    old_tokens, kept = [], False
    try:
        scopes = connect_oauth.checked_scopes(tokens)
        address = connect_oauth.profile_address(tokens["access_token"])
        if matching.try_normalize(address) != state["t"]:
            raise MailboxRefused("wrong_mailbox", f"You chose the mailbox {address}, but asked to switch to {state['t']}; choose that account at Google.")
        _refuse_taken(user, state["t"], address)
        _refuse_service_account(user, org)
        old = Mailbox.get_or_none(Mailbox.user == user.id)
        if old is not None:
            label_cleanup.remove_labels([old], org, user)  # while the old grant still works
        with write_transaction():
            user = User.get_by_id(user.id)
            old_email = user.email
            # The sign-in account's address stays the user's as "signin" the first time their mailbox moves away from it.
            old_kind = "former" if addresses.signin_address(user) else "signin"
            connect_oauth.take_address(user, address, reason="mailbox_replaced", old_kind=old_kind)
            mailbox = _replace_grant(user, refresh_token, scopes, oauth.id_token_claims(tokens).get("sub"), old_tokens)
            _forget_old_gmail(user)
            audit.record("mailbox.replaced", org=org.id, user=user, old=old_email, new=address, mailbox_id=mailbox.id)
        kept = True
    finally:
        if not kept:
            connection.revoke_all([refresh_token])  # a grant we will not keep
    revoke_replaced(mailbox, old_tokens)
    queue_sync_soon(mailbox.id)  # the switch is saved; a queue that is down leaves the sync to the schedule
    return mailbox


def revoke_replaced(mailbox, tokens, config=None):
    """Revoke replaced refresh tokens; keep (encrypted) those Google could not take, for ``retry_pending_revocations``."""
    config = config or current_app.config
    tokens = [t for t in tokens if t]
    if not tokens:
        return True
    failed = [t for t in tokens if not oauth.revoke(revoke_uri(config), t)]
    with write_transaction():
        if len(failed) < len(tokens):
            audit.record("mailbox.old_grant_revoked", org=mailbox.org_id, mailbox_id=mailbox.id)
        if failed:
            log.warning("mailbox %s: the replaced grant could not be revoked at Google; retried hourly", mailbox.id)
            current = Mailbox.get_by_id(mailbox.id)
            pending = _pending(current) + failed
            Mailbox.update(pending_revocation=crypto.encrypt(json.dumps(pending))).where(Mailbox.id == mailbox.id).execute()
            audit.record("mailbox.revoke_failed", org=mailbox.org_id, mailbox_id=mailbox.id, pending=len(pending))
    return not failed


def retry_pending_revocations(config=None):
    """Try again every replaced grant Google could not revoke; return how many are still pending."""
    config = config or current_app.config
    still = 0
    for mailbox in Mailbox.select().where(Mailbox.pending_revocation.is_null(False)):
        tokens = _pending(mailbox)
        left = [t for t in tokens if not oauth.revoke(revoke_uri(config), t)]
        with write_transaction():
            value = crypto.encrypt(json.dumps(left)) if left else None
            Mailbox.update(pending_revocation=value).where(Mailbox.id == mailbox.id).execute()
            if len(left) < len(tokens):
                audit.record("mailbox.old_grant_revoked", org=mailbox.org_id, mailbox_id=mailbox.id, retried=True)
        still += len(left)
    return still


def _pending(mailbox):
    if not mailbox.pending_revocation:
        return []
    try:
        return json.loads(crypto.decrypt(mailbox.pending_revocation))
    except (crypto.DecryptionFailed, ValueError):
        return []  # the key changed: nothing we can revoke any more


def _target(email):
    if not isinstance(email, str) or not email.strip():
        raise MailboxRefused("invalid", "'email' is required: the address of the mailbox to switch to.", field="email")
    try:
        return matching.normalize_address(email)
    except matching.InvalidAddress:
        raise MailboxRefused("invalid", f"'{email[:100]}' is not an email address.", field="email") from None


def _refuse_taken(user, normalized, shown):
    message = addresses.taken_message(user, normalized, shown)
    if message:
        raise MailboxRefused("address_taken", message, field="email")


def _refuse_service_account(user, org):
    mailbox = Mailbox.get_or_none(Mailbox.user == user.id)
    if mailbox is not None and mailbox.kind == "service_account" and mailbox.status != "disconnected":
        raise MailboxRefused("managed_by_admin", "Your mailbox is synced through your organisation's service account; ask an administrator to change it.")


def _replace_grant(user, refresh_token, scopes, account_sub, old_tokens):
    """Put the new grant on the user's mailbox row (created if none) with a fresh sync position; queue the old token."""
    mailbox = Mailbox.get_or_none(Mailbox.user == user.id)
    encrypted = crypto.encrypt(refresh_token)
    if mailbox is None:
        return Mailbox.create(org=user.org_id, user=user.id, kind="oauth", refresh_token=encrypted, scopes=scopes, status="active", account_sub=account_sub)
    if mailbox.refresh_token:
        old_tokens.append(connection.decrypt_quietly(mailbox.refresh_token))
    fields = {
        **RESET_POSITION,
        "kind": "oauth",
        "refresh_token": encrypted,
        "scopes": scopes,
        "status": "active",
        "last_error": None,
        "account_sub": account_sub,
    }
    Mailbox.update(**fields).where(Mailbox.id == mailbox.id).execute()
    return Mailbox.get_by_id(mailbox.id)


def _forget_old_gmail(user):
    for model in OLD_GMAIL_STATE:
        model.delete().where(model.user == user.id).execute()
    # Calendars: the new account's primary calendar syncs from scratch; the old account's others are not the new one's.
    SyncedCalendar.delete().where((SyncedCalendar.user == user.id) & (SyncedCalendar.calendar_id != "primary")).execute()
    SyncedCalendar.update(sync_token=None, last_error=None).where(SyncedCalendar.user == user.id).execute()
