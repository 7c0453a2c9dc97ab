"""Reconciliation: catch the messages Gmail's history never reported, once a day per mailbox.

Gmail's history sometimes misses messages; incremental sync would then never
see them. Once a day, each mailbox that may sync and has finished its backfill
lists the ids of its last ``RECONCILE_DAYS`` of mail up to shortly before its
last sync (``messages.list`` with ``after:`` and ``before:``: ids only, 500 a
call, 5 quota units each), compares them with what
the mailbox holds (``MailboxMessage``) or what sync left out on purpose
(``SkippedMessage``: colleagues only, blocked, mail no person wrote, drafts,
unlogged), and fetches what is missing through the same page path as sync
(``pages.PageStore``): filters, labels and unlog tombstones apply, and each
page commits under the mailbox's lease. Each run is recorded
(``MailboxReconciliation``); the latest is shown as ``last_reconciliation`` in
the mailbox status.
"""

import dataclasses
import datetime
import logging

from flask import current_app

from threadbook.crm.serializers import iso
from threadbook.db import write_transaction
from threadbook.google.access import mailbox_gmail
from threadbook.google.credentials import MissingCredentials
from threadbook.google.errors import GoogleApiError, ReauthRequired
from threadbook.models import Mailbox, MailboxReconciliation, Organization, User, utcnow
from threadbook.sync import lease, skipped
from threadbook.sync.backoff import Backoff
from threadbook.sync.due import StopSync, inactive_reason, mailboxes_due
from threadbook.sync.gmail_reader import SyncGmail
from threadbook.sync.pages import PageStore
from threadbook.sync.quota import bucket_for
from threadbook.sync.settings import SyncReport, SyncSettings

log = logging.getLogger(__name__)

EVERY = datetime.timedelta(hours=24)
KEEP_RUNS = 30  # runs kept per mailbox
RECORDED = ("reconciled", "error", "needs_reconnect")
SYNC_MARGIN = datetime.timedelta(minutes=10)  # mail from the last minutes before the last sync is checked tomorrow


@dataclasses.dataclass
class ReconcileReport:
    """What one reconciliation did; ``outcome`` is reconciled, busy, not_backfilled, an inactive reason, needs_reconnect, lease_lost or error."""

    mailbox_id: int
    days: int
    outcome: str = "reconciled"
    checked: int = 0
    missing: int = 0
    fetched: int = 0
    stored: int = 0
    skipped: int = 0
    error: str = ""

    def as_dict(self):
        return dataclasses.asdict(self)


def reconciliations_due(now=None):
    """Ids of mailboxes that may sync, have finished their backfill, and were not reconciled in the last 24 hours."""
    since = (now or utcnow()) - EVERY
    recent = MailboxReconciliation.select(MailboxReconciliation.mailbox).where(
        (MailboxReconciliation.started_at >= since) & (MailboxReconciliation.outcome == "reconciled")
    )
    done = {mailbox_id for (mailbox_id,) in recent.tuples()}
    return [mailbox_id for mailbox_id in mailboxes_due(backfilled_only=True) if mailbox_id not in done]


def reconcile_mailbox(mailbox_id, settings=None, days=None, owner=None, gmail=None):
    """Compare the mailbox's last ``days`` of Gmail ids with what sync stored or skipped, fetch the missing; return a ReconcileReport."""
    settings = settings or SyncSettings.from_config(current_app.config)
    days = int(days or current_app.config.get("RECONCILE_DAYS", 7))
    report = ReconcileReport(mailbox_id, days)
    mailbox = Mailbox.get_or_none(Mailbox.id == mailbox_id)
    if mailbox is None:
        report.outcome = "missing"
        return report
    user, org = User.get_by_id(mailbox.user_id), Organization.get_by_id(mailbox.org_id)
    reason = inactive_reason(mailbox, user, org)
    if reason or not mailbox.backfill_done:
        report.outcome = reason or "not_backfilled"
        return report
    owner = owner or lease.new_owner_id("reconcile")
    if not lease.acquire(mailbox.id, owner, settings.lease_seconds):
        report.outcome = "busy"
        return report
    started = utcnow()
    try:
        client = gmail or mailbox_gmail(mailbox, user, org)
        bucket = bucket_for(mailbox.id, settings.quota_units_per_second, sleep=settings.sleep)
        sync_gmail = SyncGmail(client, bucket, Backoff(retries=settings.retries, sleep=settings.sleep), settings.batch_size)
        _reconcile(mailbox, user, org, sync_gmail, settings, owner, report, started)
    except StopSync as stop:
        report.outcome = stop.reason
    except (MissingCredentials, ReauthRequired) as exc:
        report.outcome, report.error = "needs_reconnect", f"Google refused this mailbox's authorisation ({exc.__class__.__name__}); connect it again."
    except lease.LeaseLost:
        report.outcome = "lease_lost"
    except GoogleApiError as exc:
        report.outcome, report.error = "error", f"Gmail answered {exc.status or 'no status'}: {getattr(exc, 'message', str(exc))[:300]}"
        log.warning("mailbox %s: reconciliation stopped: %s", mailbox.id, report.error)
    finally:
        lease.release(mailbox.id, owner)
    if report.outcome in RECORDED:
        _record(report, started)
    return report


def _reconcile(mailbox, user, org, gmail, settings, owner, report, started):
    query = f"after:{_epoch(started - datetime.timedelta(days=report.days))} -in:chats"
    if mailbox.last_synced_at is not None:
        # Mail newer than the last sync is sync's to fetch, not missing: leave it to the next run.
        query += f" before:{_epoch(mailbox.last_synced_at - SYNC_MARGIN)}"
    ids, token = [], None
    while True:
        page = gmail.list_messages(query, page_token=token, max_results=500)
        ids.extend(m["id"] for m in page.get("messages") or [])
        token = page.get("nextPageToken")
        if not token:
            break
        lease.renew(mailbox.id, owner, settings.lease_seconds)
    ids = list(dict.fromkeys(ids))
    known = skipped.known_ids(user.id, ids)
    missing = [gid for gid in ids if gid not in known]
    report.checked, report.missing = len(ids), len(missing)
    if missing:
        log.info("mailbox %s: reconciliation found %d of %d message(s) missing", mailbox.id, len(missing), len(ids))
    sync_report = SyncReport(mailbox.id, mode="reconcile")
    pages = PageStore(mailbox, user, org, gmail, settings, owner, sync_report)
    for start in range(0, len(missing), settings.page_size):
        pages.commit(pages.prepare(missing[start : start + settings.page_size]), (), {})
    report.fetched, report.stored = sync_report.fetched, sync_report.stored
    report.skipped = sync_report.skipped_internal + sync_report.skipped_blocked + sync_report.skipped_other + sync_report.skipped_automated
    with write_transaction():
        skipped.prune(user.id, report.days + 2)


def _epoch(moment):
    return int(moment.replace(tzinfo=datetime.UTC).timestamp())


def _record(report, started):
    with write_transaction():
        MailboxReconciliation.create(
            mailbox=report.mailbox_id,
            started_at=started,
            finished_at=utcnow(),
            days=report.days,
            checked=report.checked,
            missing=report.missing,
            fetched=report.fetched,
            stored=report.stored,
            outcome=report.outcome,
            error=report.error or None,
        )
        keep = MailboxReconciliation.select(MailboxReconciliation.id).where(MailboxReconciliation.mailbox == report.mailbox_id)
        keep = keep.order_by(MailboxReconciliation.started_at.desc()).limit(KEEP_RUNS)
        MailboxReconciliation.delete().where((MailboxReconciliation.mailbox == report.mailbox_id) & MailboxReconciliation.id.not_in(keep)).execute()


def last_reconciliation(mailbox):
    """The latest run for the mailbox status: ``{at, days, checked, missing, fetched, stored, outcome, error}`` or None."""
    if mailbox is None:
        return None
    run = MailboxReconciliation.select().where(MailboxReconciliation.mailbox == mailbox.id).order_by(MailboxReconciliation.started_at.desc()).first()
    if run is None:
        return None
    return {
        "at": iso(run.finished_at or run.started_at),
        "days": run.days,
        "checked": run.checked,
        "missing": run.missing,
        "fetched": run.fetched,
        "stored": run.stored,
        "outcome": run.outcome,
        "error": run.error,
    }
