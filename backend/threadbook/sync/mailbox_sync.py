"""Sync one mailbox: a bounded backfill, then incremental changes from Gmail's history.

The first sync lists the last ``SYNC_BACKFILL_DAYS`` of mail (``messages.list``
with ``after:``), page by page; later syncs read ``history.list`` from the
last history id. When Gmail answers 404 for a history id that is too old, the
mailbox falls back to a full (bounded) sync; already stored messages are not
fetched again.

Durability: each page's messages, deletions and the position to resume from
(backfill page token or history id) are committed in one transaction, and
only while this worker holds the mailbox's lease (``pages.PageStore.commit``).
A worker that dies mid-page loses only that uncommitted page; the next run
resumes from the last committed position and storing is idempotent, so no
message is lost or stored twice.

Mail is stored at the level the owner's settings give
(access.level_for_new_mail: a thread kept private stays private, else the
user's default, else the organisation's).

The parts: ``settings`` (SyncSettings, SyncReport), ``due`` (which mailboxes
may sync), ``history`` (reading history records), ``pages`` (one page).
"""

import datetime
import logging
from concurrent.futures import ThreadPoolExecutor

from flask import current_app
from google.auth.exceptions import RefreshError

from threadbook.db import database, write_transaction
from threadbook.google.access import mailbox_gmail
from threadbook.google.credentials import MissingCredentials
from threadbook.google.errors import GoogleApiError, NotFound, ReauthRequired
from threadbook.google.oauth import is_revoked_grant
from threadbook.models import Mailbox, Organization, User, utcnow
from threadbook.sync import label_rules, lease
from threadbook.sync.backoff import Backoff
from threadbook.sync.due import StopSync, inactive_reason
from threadbook.sync.gmail_reader import SyncGmail
from threadbook.sync.history import changes_in
from threadbook.sync.pages import PageStore
from threadbook.sync.quota import bucket_for
from threadbook.sync.settings import SyncReport, SyncSettings

log = logging.getLogger(__name__)


def sync_mailbox(mailbox_id, settings=None, owner=None, gmail=None, on_page=None):
    """Sync one mailbox now if it may sync and no other worker is syncing it; return a SyncReport.

    ``gmail`` replaces the client built from stored credentials (tests);
    ``on_page(report)`` runs after each committed page (tests inject crashes there).
    """
    settings = settings or SyncSettings.from_config(current_app.config)
    report = SyncReport(mailbox_id)
    mailbox = Mailbox.get_or_none(Mailbox.id == mailbox_id)
    if mailbox is None:
        report.outcome = "missing"
        return report
    user, org = User.get_by_id(mailbox.user_id), Organization.get_by_id(mailbox.org_id)
    reason = inactive_reason(mailbox, user, org)
    if reason:
        report.outcome = reason
        return report
    owner = owner or lease.new_owner_id("sync")
    if not lease.acquire(mailbox.id, owner, settings.lease_seconds):
        report.outcome = "busy"
        return report
    backoff = Backoff(retries=settings.retries, sleep=settings.sleep)
    try:
        mailbox = Mailbox.get_by_id(mailbox.id)  # the committed position, now that it is ours
        client = gmail or mailbox_gmail(mailbox, user, org)
        bucket = bucket_for(mailbox.id, settings.quota_units_per_second, sleep=settings.sleep)
        sync_gmail = SyncGmail(client, bucket, backoff, settings.batch_size)
        pages = PageStore(mailbox, user, org, sync_gmail, settings, owner, report, on_page)
        MailboxSync(mailbox, sync_gmail, settings, owner, report, pages).run()
        lease.renew(mailbox.id, owner, settings.lease_seconds, last_synced_at=utcnow(), last_error=None, last_error_at=None)
    except StopSync as stop:
        report.outcome = stop.reason
    except MissingCredentials as exc:
        _needs_reconnect(mailbox.id, owner, settings, report, str(exc))
    except ReauthRequired as exc:
        if _grant_is_gone(exc):
            _needs_reconnect(mailbox.id, owner, settings, report, "Google no longer accepts this mailbox's authorisation; connect it again.")
        else:
            _failed(mailbox.id, owner, settings, report, exc)
    except lease.LeaseLost:
        report.outcome = "lease_lost"
    except GoogleApiError as exc:
        _failed(mailbox.id, owner, settings, report, exc)
    finally:
        report.retries = backoff.retried
        lease.release(mailbox.id, owner)
    return report


def _grant_is_gone(exc):
    """Tell a revoked grant (reconnect needed) from a token endpoint that failed for a while."""
    if isinstance(exc.__cause__, RefreshError):
        return is_revoked_grant(exc.__cause__)
    return exc.status == 401  # Gmail refused an access token it had just been given


def _needs_reconnect(mailbox_id, owner, settings, report, message):
    report.outcome, report.error = "needs_reconnect", message
    lease.renew_query(mailbox_id, owner, settings.lease_seconds, status="needs_reconnect", last_error=message, last_error_at=utcnow()).execute()
    log.warning("mailbox %s needs to be reconnected", mailbox_id)


def _failed(mailbox_id, owner, settings, report, exc):
    message = f"Gmail answered {exc.status or 'no status'}: {getattr(exc, 'message', str(exc))[:300]}"
    report.outcome, report.error = "error", message
    lease.renew_query(mailbox_id, owner, settings.lease_seconds, last_error=message, last_error_at=utcnow()).execute()
    log.warning("mailbox %s sync failed: %s", mailbox_id, message)


def _in_own_connection(fn, *args):
    """Run ``fn`` in a worker thread with its own database connection (peewee's are per thread)."""
    opened = database.is_closed()
    if opened:
        database.connect()
    try:
        return fn(*args)
    finally:
        if opened and not database.is_closed():
            database.close()


class MailboxSync:
    """One run over one mailbox, holding its lease: which pages to walk (backfill listing, then history)."""

    def __init__(self, mailbox, gmail, settings, owner, report, pages):
        self.mailbox = mailbox
        self.gmail = gmail
        self.settings = settings
        self.owner = owner
        self.report = report
        self.pages = pages

    def run(self):
        if not self.mailbox.backfill_done:
            self.report.mode = "backfill"
            self.backfill()
        elif not self.report.mode:
            self.report.mode = "incremental"
        try:
            self.incremental()
        except NotFound:
            # Gmail keeps history for about a week: older ids answer 404, so start over (bounded).
            log.info("mailbox %s: history id %s expired; full sync", self.mailbox.id, self.mailbox.history_id)
            self.report.mode = "full"
            self._start_backfill()
            self.backfill()
            self.incremental()

    # -- backfill ---------------------------------------------------------------
    def _start_backfill(self):
        profile = self.gmail.profile()
        since = utcnow() - datetime.timedelta(days=self.settings.backfill_days)
        progress = {"history_id": str(profile["historyId"]), "backfill_since": since, "backfill_page_token": None, "backfill_done": False}
        with write_transaction():
            lease.renew(self.mailbox.id, self.owner, self.settings.lease_seconds, **progress)
        for name, value in progress.items():
            setattr(self.mailbox, name, value)

    def backfill(self):
        if self.mailbox.history_id is None or self.mailbox.backfill_since is None:
            # Take the history id before listing: changes made while the backfill runs are replayed after it.
            self._start_backfill()
        epoch = int(self.mailbox.backfill_since.replace(tzinfo=datetime.UTC).timestamp())
        query = f"after:{epoch} -in:chats"

        def prepare_listing(token):
            page = self.gmail.list_messages(query, page_token=token, max_results=self.settings.page_size)
            prepared = self.pages.prepare([m["id"] for m in page.get("messages") or []])
            prepared.next_token = page.get("nextPageToken")
            return prepared

        # One thread talks to Gmail (list, fetch, label page n+1) while this one stores page n:
        # the wait on Google overlaps the database work. Commits stay in order, one per page.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="gmail-prefetch") as pool:
            pending = pool.submit(_in_own_connection, prepare_listing, self.mailbox.backfill_page_token)
            try:
                while True:
                    prepared = pending.result()
                    token = prepared.next_token
                    pending = pool.submit(_in_own_connection, prepare_listing, token) if token else None
                    self.pages.commit(prepared, (), {"backfill_page_token": token, "backfill_done": token is None})
                    if token is None:
                        self.mailbox.backfill_done = True
                        return
            finally:
                if pending is not None:
                    pending.cancel()

    # -- incremental --------------------------------------------------------------
    def incremental(self):
        start = self.mailbox.history_id
        token = None
        while True:
            page = self.gmail.list_history(start, page_token=token)
            records = page.get("history") or []
            added, removed = changes_in(records)
            # Labels the user took off are recorded before new messages are labelled (sync/label_rules.py).
            label_rules.record_removals(self.pages.user, records)
            token = page.get("nextPageToken")
            # Resume point: after this page's last record, or the mailbox's current id on the last page.
            position = str(page["historyId"]) if token is None or not records else str(records[-1]["id"])
            self.pages.commit(self.pages.prepare(added), removed, {"history_id": position})
            self.mailbox.history_id = position
            if token is None:
                return
