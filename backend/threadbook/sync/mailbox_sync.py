"""Sync one mailbox: a bounded backfill, then incremental changes from Gmail's history.

The first sync lists the last ``SYNC_BACKFILL_DAYS`` of mail (``messages.list``
with ``after:``), page by page; later syncs read ``history.list`` from the
last history id. When Gmail answers 404 for a history id that is too old, the
mailbox falls back to a full (bounded) sync; already stored messages are not
fetched again.

Durability: each page's messages, deletions and the position to resume from
(backfill page token or history id) are committed in one transaction, and
only while this worker holds the mailbox's lease (``lease.renew_query``). A
worker that dies mid-page loses only that uncommitted page; the next run
resumes from the last committed position and storing is idempotent, so no
message is lost or stored twice.

Storing goes through ``mail_store.store_gmail_messages`` (the same code path
as logging a thread by hand) with ``source="sync"``, at the level the owner's
settings give (access.level_for_new_mail: a thread kept private stays private,
else the user's default, else the organisation's).
"""

import collections
import dataclasses
import datetime
import logging
import time
from concurrent.futures import ThreadPoolExecutor

from flask import current_app
from google.auth.exceptions import RefreshError
from peewee import fn

from threadbook.db import database, write_transaction
from threadbook.google.access import mailbox_gmail
from threadbook.google.credentials import MissingCredentials
from threadbook.google.errors import GoogleApiError, NotFound, ReauthRequired
from threadbook.google.oauth import is_revoked_grant
from threadbook.mail import filters
from threadbook.mail.store import store_gmail_messages
from threadbook.models import ContactAddress, Email, Lead, Mailbox, MailboxMessage, Organization, User, utcnow
from threadbook.sync import lease
from threadbook.sync.backoff import Backoff
from threadbook.sync.gmail_reader import SyncGmail
from threadbook.sync.labels import LOGGED
from threadbook.sync.quota import bucket_for

log = logging.getLogger(__name__)

GONE_LABELS = frozenset({"TRASH", "SPAM"})
LOOKUP_CHUNK = 500


@dataclasses.dataclass
class SyncSettings:
    """How a sync run behaves; ``from_config`` reads the app's settings."""

    backfill_days: int = 90
    page_size: int = 500
    batch_size: int = 100
    lease_seconds: int = 300
    quota_units_per_second: float = 200.0
    retries: int = 5
    sleep: object = time.sleep
    label_messages: bool = True

    @classmethod
    def from_config(cls, config, **overrides):
        values = {
            "backfill_days": config.get("SYNC_BACKFILL_DAYS", 90),
            "lease_seconds": config.get("SYNC_LEASE_SECONDS", 300),
            "quota_units_per_second": config.get("SYNC_QUOTA_UNITS_PER_SECOND", 200.0),
            "retries": config.get("SYNC_MAX_RETRIES", 5),
        }
        values.update(overrides)
        return cls(**values)


@dataclasses.dataclass
class SyncReport:
    """What one run did; ``outcome`` is synced, busy, paused, disabled, needs_reconnect, disconnected, stopped, lease_lost or error."""

    mailbox_id: int
    outcome: str = "synced"
    mode: str = ""  # backfill, incremental, or full (after Gmail's 404)
    pages: int = 0
    fetched: int = 0
    stored: int = 0
    matched: int = 0  # stored messages with a participant who is a contact or lead
    skipped_internal: int = 0
    skipped_blocked: int = 0
    skipped_other: int = 0
    removed: int = 0
    retries: int = 0
    labels_failed: int = 0
    error: str = ""

    def as_dict(self):
        return dataclasses.asdict(self)

    def summary(self):
        return (
            f"{self.outcome} ({self.mode or 'nothing to do'}): {self.pages} page(s), {self.stored} stored, "
            f"{self.matched} matched, {self.skipped_internal} internal, {self.skipped_blocked} blocked, {self.removed} removed"
        )


@dataclasses.dataclass
class PreparedPage:
    """One page fetched, classified and labelled, waiting to be stored."""

    keep: list = dataclasses.field(default_factory=list)
    skipped: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    fetched: int = 0
    matched: int = 0
    labels_failed: int = 0
    next_token: str = None


def _column_in(model, column, values, **equal):
    """Return the values of ``column`` found among ``values`` in rows matching ``equal`` (field=value).

    Plain SQL over indexed columns: peewee builds a node per IN parameter, which
    costs more than the lookup itself at a page of 500 ids.
    """
    values = list(values)
    if not values:
        return []
    fields = model._meta.fields
    param = database.obj.param
    where = " AND ".join('"%s" = %s' % (fields[name].column_name, param) for name in equal)
    found = []
    for start in range(0, len(values), LOOKUP_CHUNK):
        chunk = values[start : start + LOOKUP_CHUNK]
        sql = 'SELECT "%s" FROM "%s" WHERE %s AND "%s" IN (%s)' % (
            fields[column].column_name,
            model._meta.table_name,
            where,
            fields[column].column_name,
            ", ".join([param] * len(chunk)),
        )
        found.extend(row[0] for row in database.execute_sql(sql, [*equal.values(), *chunk]).fetchall())
    return found


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


class StopSync(Exception):
    """The user paused, the organisation disabled sync, or the mailbox was disconnected mid-run."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def inactive_reason(mailbox, user, org):
    """Return why a mailbox may not sync now (an outcome name), or None."""
    if mailbox.status == "disconnected":
        return "disconnected"
    if mailbox.status == "needs_reconnect":
        return "needs_reconnect"
    if not org.sync_enabled:
        return "disabled"
    if user.sync_paused:
        return "paused"
    return None


def ensure_service_account_mailboxes():
    """Give every user of an organisation with a service account a mailbox (new users included)."""
    orgs = Organization.select(Organization.id).where(Organization.service_account_key.is_null(False))
    missing = User.select(User.id, User.org).where(User.org.in_(orgs) & User.id.not_in(Mailbox.select(Mailbox.user)))
    rows = [{"org": u.org_id, "user": u.id, "kind": "service_account", "status": "active"} for u in missing]
    if rows:
        with write_transaction():
            Mailbox.insert_many(rows).on_conflict_ignore().execute()


def mailboxes_due(backfilled_only=False):
    """Return the ids of mailboxes that may sync now (connected, not paused, org enabled)."""
    ensure_service_account_mailboxes()
    query = (
        Mailbox.select(Mailbox.id)
        .join(User, on=(Mailbox.user == User.id))
        .switch(Mailbox)
        .join(Organization, on=(Mailbox.org == Organization.id))
        .where((Mailbox.status == "active") & (User.sync_paused == False) & (Organization.sync_enabled == True))  # noqa: E712
        .order_by(fn.COALESCE(Mailbox.last_synced_at, Mailbox.created_at))
    )
    if backfilled_only:
        query = query.where(Mailbox.backfill_done == True)  # noqa: E712
    return [m.id for m in query]


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
    owner = owner or lease.new_owner_id()
    if not lease.acquire(mailbox.id, owner, settings.lease_seconds):
        report.outcome = "busy"
        return report
    backoff = Backoff(retries=settings.retries, sleep=settings.sleep)
    try:
        mailbox = Mailbox.get_by_id(mailbox.id)  # the committed position, now that it is ours
        client = gmail or mailbox_gmail(mailbox, user, org)
        bucket = bucket_for(mailbox.id, settings.quota_units_per_second, sleep=settings.sleep)
        run = MailboxSync(mailbox, user, org, SyncGmail(client, bucket, backoff, settings.batch_size), settings, owner, report, on_page)
        run.run()
        lease.renew(mailbox.id, owner, settings.lease_seconds, last_synced_at=utcnow(), last_error=None)
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
    lease.renew_query(mailbox_id, owner, settings.lease_seconds, status="needs_reconnect", last_error=message).execute()
    log.warning("mailbox %s needs to be reconnected", mailbox_id)


def _failed(mailbox_id, owner, settings, report, exc):
    message = f"Gmail answered {exc.status or 'no status'}: {getattr(exc, 'message', str(exc))[:300]}"
    report.outcome, report.error = "error", message
    lease.renew_query(mailbox_id, owner, settings.lease_seconds, last_error=message).execute()
    log.warning("mailbox %s sync failed: %s", mailbox_id, message)


class MailboxSync:
    """One run over one mailbox, holding its lease."""

    def __init__(self, mailbox, user, org, gmail, settings, owner, report, on_page=None):
        self.mailbox = mailbox
        self.user = user
        self.org = org
        self.gmail = gmail
        self.settings = settings
        self.owner = owner
        self.report = report
        self.on_page = on_page
        self.filter = filters.MessageFilter(org, user)

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
        epoch = int(self.mailbox.backfill_since.replace(tzinfo=datetime.timezone.utc).timestamp())
        query = f"after:{epoch} -in:chats"

        def prepare_listing(token):
            page = self.gmail.list_messages(query, page_token=token, max_results=self.settings.page_size)
            prepared = self._prepare([m["id"] for m in page.get("messages") or []])
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
                    self._commit(prepared, (), {"backfill_page_token": token, "backfill_done": token is None})
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
            token = page.get("nextPageToken")
            # Resume point: after this page's last record, or the mailbox's current id on the last page.
            position = str(page["historyId"]) if token is None or not records else str(records[-1]["id"])
            self._commit(self._prepare(added), removed, {"history_id": position})
            self.mailbox.history_id = position
            if token is None:
                return

    # -- one page ----------------------------------------------------------------
    def _prepare(self, ids):
        """Fetch and classify one page's new messages, and label the ones to store (Gmail and reads only)."""
        page = PreparedPage()
        stored = self._already_stored(ids)
        new_ids = [i for i in dict.fromkeys(ids) if i not in stored]
        messages = self.gmail.fetch_messages(new_ids, full=self.org.store_bodies) if new_ids else []
        page.fetched = len(messages)
        keep_addresses = []
        for message in messages:
            verdict, addresses = self.filter.classify(message)
            if verdict == filters.STORE:
                page.keep.append(message)
                keep_addresses.append(addresses)
            else:
                page.skipped[verdict] += 1
        if page.keep and self.settings.label_messages:
            # Before the commit: labelling is idempotent, so a crash in between only relabels.
            page.labels_failed = self._label([m["id"] for m in page.keep])
        page.matched = self._count_matched(keep_addresses)
        return page

    def _commit(self, page, removed_ids, progress):
        """Store a prepared page and save ``progress`` with it, in one transaction, only under our lease."""
        self._check_still_active()
        with write_transaction():
            placed = 0
            if page.keep:
                result = store_gmail_messages(
                    self.org, self.user, None, page.keep, source="sync", store_body=self.org.store_bodies, load_rows=False
                )
                placed = len(result.created) + len(result.linked)
            removed = self._remove(removed_ids) if removed_ids else 0
            lease.renew(
                self.mailbox.id, self.owner, self.settings.lease_seconds, messages_synced=Mailbox.messages_synced + placed, **progress
            )
        report = self.report
        report.pages += 1
        report.fetched += page.fetched
        report.stored += placed
        report.removed += removed
        report.matched += page.matched
        report.skipped_internal += page.skipped[filters.INTERNAL]
        report.skipped_blocked += page.skipped[filters.BLOCKED]
        report.skipped_other += page.skipped[filters.SKIPPED]
        report.labels_failed += page.labels_failed
        if self.on_page:
            self.on_page(report)

    def _check_still_active(self):
        mailbox = Mailbox.get_by_id(self.mailbox.id)
        user = User.get_by_id(self.user.id)
        org = Organization.get_by_id(self.org.id)
        reason = inactive_reason(mailbox, user, org)
        if reason:
            raise StopSync(reason)
        if mailbox.lease_owner != self.owner:
            raise lease.LeaseLost(f"mailbox {self.mailbox.id} is leased by another worker")

    def _already_stored(self, ids):
        return set(_column_in(MailboxMessage, "gmail_message_id", ids, user=self.user.id))

    def _remove(self, gmail_ids):
        """Take deleted or trashed messages out of this mailbox; drop synced mail no mailbox holds any more.

        Mail logged by hand (or through the dropbox) stays: someone chose to keep it.
        """
        gmail_ids = list(gmail_ids)
        removed = 0
        for start in range(0, len(gmail_ids), LOOKUP_CHUNK):
            chunk = gmail_ids[start : start + LOOKUP_CHUNK]
            copies = list(
                MailboxMessage.select(MailboxMessage.id, MailboxMessage.email)
                .where((MailboxMessage.user == self.user.id) & MailboxMessage.gmail_message_id.in_(chunk))
                .tuples()
            )
            if not copies:
                continue
            email_ids = list({email_id for _, email_id in copies})
            removed += MailboxMessage.delete().where(MailboxMessage.id.in_([i for i, _ in copies])).execute()
            still_held = MailboxMessage.select(MailboxMessage.email).where(MailboxMessage.email.in_(email_ids))
            Email.delete().where(Email.id.in_(email_ids) & (Email.source == "sync") & Email.id.not_in(still_held)).execute()
        return removed

    def _label(self, message_ids):
        """Add Threadbook/Logged to the messages; return how many could not be labelled."""
        try:
            label_id = self.gmail.label_id(LOGGED)
            self.gmail.add_label_to_messages(message_ids, label_id)
            return 0
        except ReauthRequired:
            raise
        except GoogleApiError as exc:
            # A missing label is cosmetic; the mail itself must still be stored.
            log.warning("mailbox %s: could not label %d message(s): %s", self.mailbox.id, len(message_ids), exc)
            return len(message_ids)

    def _count_matched(self, address_lists):
        """Count messages with a participant who is one of the organisation's contacts or leads."""
        wanted = {a for addresses in address_lists for a in addresses if not self.filter.is_colleague(a)}
        if not wanted:
            return 0
        known = set(_column_in(ContactAddress, "email_normalized", wanted, org=self.org.id))
        known.update(_column_in(Lead, "email_normalized", wanted - known, org=self.org.id))
        return sum(1 for addresses in address_lists if known.intersection(addresses))


def changes_in(records):
    """Return (message ids to fetch, message ids to take out) from history records, in order.

    A later record wins: added then deleted is a removal, trashed then restored an addition.
    Drafts, chats, spam and trash are not fetched at all.
    """
    added, removed = {}, {}
    for record in records:
        for entry in record.get("messagesAdded") or []:
            message = entry.get("message") or {}
            if filters.SKIPPED_LABELS.intersection(message.get("labelIds") or ()):
                continue
            added[message["id"]] = True
            removed.pop(message["id"], None)
        for entry in record.get("messagesDeleted") or []:
            message_id = (entry.get("message") or {}).get("id")
            removed[message_id] = True
            added.pop(message_id, None)
        for entry in record.get("labelsAdded") or []:
            if GONE_LABELS.intersection(entry.get("labelIds") or ()):
                message_id = entry["message"]["id"]
                removed[message_id] = True
                added.pop(message_id, None)
        for entry in record.get("labelsRemoved") or []:
            if GONE_LABELS.intersection(entry.get("labelIds") or ()):
                message_id = entry["message"]["id"]
                added[message_id] = True
                removed.pop(message_id, None)
    return list(added), list(removed)
