"""Gmail push: a verified Pub/Sub push turns into a sync of the mailbox it names.

Gmail publishes ``{"emailAddress", "historyId"}`` to the deployment's Pub/Sub
topic whenever a watched mailbox changes (sync/watch.py keeps the watches);
the push subscription POSTs it here wrapped in Pub/Sub's envelope
(``{"message": {"data": base64, "messageId", "publishTime"}, "subscription"}``)
with an OIDC token in ``Authorization: Bearer``. The token is a Google-signed
ID token: it is verified like a sign-in token (signature against
``GOOGLE_CERTS_URL``, issuer, expiry) for the audience ``GMAIL_PUSH_AUDIENCE``,
and its ``email`` must be the push subscription's service account
(``GMAIL_PUSH_SERVICE_ACCOUNT``). Anyone can POST to the endpoint; only Google
can sign such a token.

A push carries no mail: it only says "look again". So the worst a forged push
could do is make a mailbox sync early; the token check refuses it anyway.
Pushes for a mailbox that may not sync (paused, disconnected, organisation
disabled, a manual mail schedule) are acknowledged and dropped without any call to Google, and a push
older than what the mailbox already has queues nothing.
"""

import base64
import binascii
import json
from dataclasses import dataclass

from threadbook.db import write_transaction
from threadbook.google.id_tokens import CertificatesUnavailable, InvalidIdToken, certificates_request, verify
from threadbook.identity import sync_schedules
from threadbook.models import GmailWatch, Mailbox, Organization, User, utcnow
from threadbook.sync.due import inactive_reason
from threadbook.sync.queueing import queue_push_sync

MAX_HISTORY_ID = 2**63 - 1


class PushRefused(Exception):
    """The push is not one to act on; ``status``/``code``/``message`` are the answer Pub/Sub gets."""

    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class PushSettings:
    topic: str = ""
    audience: str = ""
    service_account: str = ""

    @classmethod
    def from_config(cls, config):
        return cls(config.get("GMAIL_PUSH_TOPIC") or "", config.get("GMAIL_PUSH_AUDIENCE") or "", config.get("GMAIL_PUSH_SERVICE_ACCOUNT") or "")

    @property
    def enabled(self):
        return bool(self.topic)


@dataclass
class PushOutcome:
    """What a push led to: ``action`` is "queued" or "ignored"; ``reason`` says why it was ignored."""

    action: str
    reason: str = ""
    mailbox_id: int | None = None
    history_id: int | None = None


def verify_push(authorization, config):
    """Return the claims of the push's OIDC token, or raise PushRefused."""
    settings = PushSettings.from_config(config)
    if not settings.enabled:
        raise PushRefused(404, "push_not_configured", "Gmail push is not set up on this backend (GMAIL_PUSH_TOPIC is empty); mail syncs by polling.")
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise PushRefused(401, "unauthorized", "A Gmail push must carry the push subscription's OIDC token (Authorization: Bearer).")
    try:
        claims = verify(token, [settings.audience], config["GOOGLE_CERTS_URL"], certificates_request())
    except InvalidIdToken as exc:
        # The verifier words its reasons for a person signing in; keep the reason, drop the advice.
        reason = exc.message.split(";")[0].rstrip(".").replace("The ID token", "the token")
        raise PushRefused(401, "unauthorized", f"The push was refused: {reason}. Check the push subscription's audience (GMAIL_PUSH_AUDIENCE).") from exc
    except CertificatesUnavailable as exc:
        raise PushRefused(503, "unavailable", str(exc)) from exc
    if claims["email"].lower() != settings.service_account:
        raise PushRefused(403, "forbidden", "The push's token was issued to another service account than GMAIL_PUSH_SERVICE_ACCOUNT.")
    return claims


def parse_notification(envelope):
    """Return (email address, history id) from Pub/Sub's push envelope, or raise PushRefused (400)."""
    message = envelope.get("message") if isinstance(envelope, dict) else None
    data = message.get("data") if isinstance(message, dict) else None
    if not isinstance(data, str):
        raise PushRefused(400, "bad_request", 'A Pub/Sub push has {"message": {"data": "<base64>"}}; this body has no message data.')
    try:
        notification = json.loads(base64.b64decode(data, validate=True))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise PushRefused(400, "bad_request", "The push's message data is not base64-encoded JSON.") from None
    address = notification.get("emailAddress") if isinstance(notification, dict) else None
    history = notification.get("historyId") if isinstance(notification, dict) else None
    if not isinstance(address, str) or "@" not in address:
        raise PushRefused(400, "bad_request", "The push names no mailbox (emailAddress).")
    # Gmail's documentation shows the history id as a string; pushes have also carried a number.
    if isinstance(history, bool) or not isinstance(history, (int, str)) or not str(history).isdigit() or int(history) > MAX_HISTORY_ID:
        raise PushRefused(400, "bad_request", "The push's historyId is not a Gmail history id.")
    return address.strip().lower(), int(history)


def accept_push(address, history_id):
    """Record a verified push; return a PushOutcome saying whether the mailbox should sync now."""
    mailbox = (
        Mailbox.select(Mailbox, User, Organization)
        .join(User, on=(Mailbox.user == User.id))
        .switch(Mailbox)
        .join(Organization, on=(Mailbox.org == Organization.id))
        .where(User.email == address)
        .first()
    )
    if mailbox is None:
        return PushOutcome("ignored", "unknown_mailbox")
    reason = inactive_reason(mailbox, mailbox.user, mailbox.org)
    if not reason and sync_schedules.effective_schedule(mailbox.user, "mail", mailbox.org) == "manual":
        reason = "manual"  # the user syncs by "Sync now" only
    if reason:
        return PushOutcome("ignored", reason, mailbox.id)
    watch = GmailWatch.get_or_none(GmailWatch.mailbox == mailbox.id)
    if watch is None:
        return PushOutcome("ignored", "not_watched", mailbox.id)  # a watch from before a reconnect, say: it lapses by itself
    with write_transaction():
        highest = max(history_id, int(watch.pushed_history_id or 0))
        GmailWatch.update(last_push_at=utcnow(), pushed_history_id=str(highest), pushes=GmailWatch.pushes + 1).where(GmailWatch.id == watch.id).execute()
    if mailbox.history_id is not None and int(mailbox.history_id) >= history_id:
        return PushOutcome("ignored", "already_synced", mailbox.id, history_id)
    return PushOutcome("queued", "", mailbox.id, history_id)


def handle_push(address, history_id):
    """Record a verified push and queue the sync it calls for; return the PushOutcome."""
    outcome = accept_push(address, history_id)
    if outcome.action == "queued":
        queue_push_sync(outcome.mailbox_id, history_id)
    return outcome


def synced_past(mailbox_id, history_id):
    """Whether the mailbox's committed position has reached ``history_id`` (a later push's sync need not run)."""
    mailbox = Mailbox.get_or_none(Mailbox.id == mailbox_id)
    return mailbox is not None and mailbox.history_id is not None and int(mailbox.history_id) >= history_id
