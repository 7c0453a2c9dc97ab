"""Keep every syncing mailbox watched (Gmail's users.watch), so Gmail pushes its changes instead of being polled.

A watch lapses after 7 days; Google asks for ``watch`` to be called again
about once a day, so a watch is renewed once it is a day old, or sooner when
it expires within two days. A mailbox that may not sync (paused, disconnected,
organisation disabled) is not renewed, so it costs no call and its watch
lapses by itself; its pushes meanwhile are dropped (sync/push.py). So with
a manual mail schedule (identity/sync_schedules.py): only "Sync now" syncs it. When a
watch fails (the topic does not let Gmail publish, Google is down), the error
is kept on the watch and shown with the mailbox's health, and polling carries
on as if push were off (sync/due.py).
"""

import datetime
import logging

from flask import current_app
from peewee import JOIN

from threadbook.crm.serializers import iso
from threadbook.db import write_transaction
from threadbook.google.access import mailbox_gmail
from threadbook.google.credentials import MissingCredentials
from threadbook.google.errors import GoogleApiError
from threadbook.identity import sync_schedules
from threadbook.models import GmailWatch, Mailbox, Organization, User, utcnow
from threadbook.sync.due import inactive_reason
from threadbook.sync.push import PushSettings

log = logging.getLogger(__name__)

RENEW_AFTER = datetime.timedelta(days=1)
RENEW_BEFORE_EXPIRY = datetime.timedelta(days=2)
# A failed watch is tried again after this long, not on every hourly round.
RETRY_FAILED_AFTER = datetime.timedelta(hours=6)


def watches_due(now=None):
    """Ids of the mailboxes whose watch should be (re)made now; none when push is off."""
    if not PushSettings.from_config(current_app.config).enabled:
        return []
    now = now or utcnow()
    never_tried = GmailWatch.id.is_null()
    failed_long_ago = GmailWatch.error.is_null(False) & (GmailWatch.error_at < now - RETRY_FAILED_AFTER)
    stale = GmailWatch.error.is_null() & ((GmailWatch.renewed_at < now - RENEW_AFTER) | (GmailWatch.expires_at < now + RENEW_BEFORE_EXPIRY))
    query = (
        Mailbox.select(Mailbox.id)
        .join(User, on=(Mailbox.user == User.id))
        .switch(Mailbox)
        .join(Organization, on=(Mailbox.org == Organization.id))
        .switch(Mailbox)
        .join(GmailWatch, JOIN.LEFT_OUTER, on=(GmailWatch.mailbox == Mailbox.id))
        .where((Mailbox.status == "active") & (User.sync_paused == False) & (Organization.sync_enabled == True))
        .where(Mailbox.user.not_in(sync_schedules.manual_user_ids("mail")))  # manual: Gmail is touched on "Sync now" only
        .where(never_tried | failed_long_ago | stale)
    )
    return [m.id for m in query]


def renew_watch(mailbox_id, gmail=None):
    """Call users.watch for one mailbox and record the answer; return "watching", "error" or why it may not sync."""
    settings = PushSettings.from_config(current_app.config)
    if not settings.enabled:
        return "push_off"
    mailbox = Mailbox.get_or_none(Mailbox.id == mailbox_id)
    if mailbox is None:
        return "missing"
    user, org = User.get_by_id(mailbox.user_id), Organization.get_by_id(mailbox.org_id)
    reason = inactive_reason(mailbox, user, org) or ("manual" if sync_schedules.effective_schedule(user, "mail", org) == "manual" else None)
    if reason:
        return reason
    try:
        answer = (gmail or mailbox_gmail(mailbox, user, org)).watch(settings.topic)
        expires_at = datetime.datetime.fromtimestamp(int(answer["expiration"]) / 1000, datetime.UTC).replace(tzinfo=None)
        fields = {
            "topic": settings.topic,
            "expires_at": expires_at,
            "renewed_at": utcnow(),
            "history_id": str(answer["historyId"]),
            "error": None,
            "error_at": None,
        }
        outcome = "watching"
    except (GoogleApiError, MissingCredentials) as exc:
        message = getattr(exc, "message", None) or str(exc)
        fields = {"topic": settings.topic, "error": f"Gmail refused to watch this mailbox: {message[:300]}", "error_at": utcnow()}
        outcome = "error"
        log.warning("mailbox %s: users.watch failed: %s", mailbox_id, message)
    except (KeyError, TypeError, ValueError):
        fields = {"topic": settings.topic, "error": "Gmail's answer to users.watch had no usable expiration.", "error_at": utcnow()}
        outcome = "error"
    with write_transaction():
        updated = GmailWatch.update(**fields).where(GmailWatch.mailbox == mailbox_id).execute()
        if not updated:
            GmailWatch.insert(mailbox=mailbox_id, **fields).on_conflict_ignore().execute()
    return outcome


def is_pushing(watch, now=None):
    """Whether Gmail is pushing this mailbox's changes (a watch that succeeded and has not lapsed)."""
    now = now or utcnow()
    return watch is not None and watch.error is None and watch.expires_at is not None and watch.expires_at > now


def watch_state(mailbox_id):
    """The mailbox's push state for its JSON: on, off (push not set up), lapsed or failing, with times."""
    if not PushSettings.from_config(current_app.config).enabled:
        return {"state": "off"}
    watch = GmailWatch.get_or_none(GmailWatch.mailbox == mailbox_id)
    if watch is None:
        return {"state": "pending"}
    state = "error" if watch.error else ("watching" if is_pushing(watch) else "lapsed")
    return {
        "state": state,
        "expires_at": iso(watch.expires_at),
        "last_push_at": iso(watch.last_push_at),
        "pushes": watch.pushes,
        "error": watch.error,
    }
