"""Sync one IMAP account: INBOX and Sent, incrementally by UIDVALIDITY and UID, through the mail store.

For each folder: SELECT (read-only) gives its UIDVALIDITY. When it differs
from the stored one (or none is stored) the folder is listed again from
scratch (``UID SEARCH`` within the backfill window); otherwise only UIDs above
the stored high-water mark. UIDs go in batches: header blocks first, classified
by the same filters as Gmail sync (mail/filters.py: colleagues only, the
blocklist, mail no person wrote), then the whole message only for mail kept.
Each batch is stored through ``mail.store.store_gmail_messages`` (one copy
per owner and Message-ID, so mail already stored from Gmail, the dropbox or the
other folder is recognised, and the owner's sharing level and unlogged mail are
honoured) in one transaction with the folder's new high-water mark, and only
while the run holds the account's lease: a run that dies mid-batch resumes at
the last committed UID, and nothing is stored twice.
"""

import dataclasses
import datetime
import logging

from flask import current_app

from threadbook import crypto
from threadbook.db import write_transaction
from threadbook.mail import filters, notifications
from threadbook.mail.store import store_gmail_messages
from threadbook.models import ContactAddress, ImapAccount, ImapFolder, Lead, Organization, User, utcnow
from threadbook.sync.id_lookup import column_in
from threadbook.sync.imap import lease
from threadbook.sync.imap.client import ImapConnection, ImapFailure, ImapSettings
from threadbook.sync.imap.due import inactive_reason
from threadbook.sync.imap.messages import Unreadable, resource

log = logging.getLogger(__name__)

BATCH_SIZE = 200
MAX_MESSAGE_BYTES = 1024 * 1024  # the text is read from the start of each message; attachments beyond are not fetched


class StopImapSync(Exception):
    """The user paused, the organisation turned sync off, or the account was removed mid-run."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


@dataclasses.dataclass
class ImapReport:
    """What one run did; ``outcome`` is synced, busy, paused, disabled, needs_reconnect, gone, stopped or error."""

    account_id: int
    outcome: str = "synced"
    batches: int = 0
    fetched: int = 0
    stored: int = 0
    matched: int = 0
    skipped_internal: int = 0
    skipped_blocked: int = 0
    skipped_automated: int = 0
    skipped_other: int = 0
    relisted: list = dataclasses.field(default_factory=list)  # folders listed again after a UIDVALIDITY change
    error: str = ""

    def as_dict(self):
        return dataclasses.asdict(self)


@dataclasses.dataclass
class ImapSyncSettings:
    batch_size: int = BATCH_SIZE
    backfill_days: int = 90
    lease_seconds: int = 300
    max_message_bytes: int = MAX_MESSAGE_BYTES
    connection: ImapSettings = dataclasses.field(default_factory=ImapSettings)

    @classmethod
    def from_config(cls, config, **overrides):
        values = {
            "backfill_days": config.get("SYNC_BACKFILL_DAYS", 90),
            "lease_seconds": config.get("SYNC_LEASE_SECONDS", 300),
            "connection": ImapSettings.from_config(config),
        }
        values.update(overrides)
        return cls(**values)


def sync_account(account_id, settings=None):
    """Run one sync of an IMAP account; return an ImapReport (never raises for the server's failures)."""
    settings = settings or ImapSyncSettings.from_config(current_app.config)
    report = ImapReport(account_id)
    account = ImapAccount.get_or_none(ImapAccount.id == account_id)
    if account is None:
        report.outcome = "gone"
        return report
    user, org = User.get_by_id(account.user_id), Organization.get_by_id(account.org_id)
    reason = inactive_reason(account, user, org)
    if reason:
        report.outcome = reason  # paused or disabled: no connection at all
        return report
    owner = lease.new_owner_id("imap")
    if not lease.acquire(account.id, owner, settings.lease_seconds):
        report.outcome = "busy"
        return report
    try:
        password = crypto.decrypt(account.password)
        with ImapConnection.open(account.host, account.port, account.tls, account.username, password, settings.connection) as conn:
            run = _Run(account, user, org, conn, settings, owner, report)
            for role, name in conn.folders().items():
                if name:
                    run.sync_folder(role, name)
        _finish(account.id, owner, error=None)
    except crypto.DecryptionFailed:
        report.outcome, report.error = "needs_reconnect", "The stored password could not be decrypted: enter it again."
        _finish(account.id, owner, error=report.error, status="needs_reconnect")
    except ImapFailure as exc:
        report.outcome = "needs_reconnect" if exc.reason == "login" else "error"
        report.error = exc.message
        log.warning("IMAP account %s: %s (%s)", account.id, exc.message, exc.reason)
        _finish(account.id, owner, error=exc.message, status="needs_reconnect" if exc.reason == "login" else "error")
    except StopImapSync as exc:
        report.outcome = exc.reason
    except lease.LeaseLost:
        report.outcome = "busy"
    finally:
        lease.release(account.id, owner)
    return report


def _finish(account_id, owner, error, status=None):
    """Record the run's end: success clears the error and the back-off; a failure counts towards it."""
    now = utcnow()
    if error is None:
        fields = {"status": "active", "failures": 0, "last_synced_at": now, "last_error": None}
    else:
        fields = {"status": status, "failures": ImapAccount.failures + 1, "last_error": error[:1000], "last_error_at": now}
    ImapAccount.update(**fields).where((ImapAccount.id == account_id) & (ImapAccount.lease_owner == owner)).execute()


class _Run:
    def __init__(self, account, user, org, conn, settings, owner, report):
        self.account, self.user, self.org = account, user, org
        self.conn, self.settings, self.owner, self.report = conn, settings, owner, report
        self.filter = filters.MessageFilter(org, user)

    def sync_folder(self, role, name):
        folder = ImapFolder.get_or_none((ImapFolder.account == self.account.id) & (ImapFolder.role == role))
        uidvalidity = self.conn.select(name)
        if folder is None or folder.name != name or folder.uidvalidity != uidvalidity:
            if folder is not None and folder.uidvalidity is not None:
                self.report.relisted.append(role)
            folder = self._reset_folder(folder, role, name, uidvalidity)
        since = None
        if folder.last_uid == 0:
            since = (utcnow() - datetime.timedelta(days=self.settings.backfill_days)).date()
        uids = self.conn.uids_after(folder.last_uid, since)
        for start in range(0, len(uids), self.settings.batch_size):
            self._batch(folder, uids[start : start + self.settings.batch_size])
        ImapFolder.update(last_synced_at=utcnow()).where(ImapFolder.id == folder.id).execute()

    def _reset_folder(self, folder, role, name, uidvalidity):
        """Start the folder over under its new UIDVALIDITY: UIDs of the old one mean nothing now."""
        with write_transaction():
            self._check_still_active()
            if folder is None:
                folder = ImapFolder.create(account=self.account.id, role=role, name=name, uidvalidity=uidvalidity, last_uid=0)
            else:
                ImapFolder.update(name=name, uidvalidity=uidvalidity, last_uid=0).where(ImapFolder.id == folder.id).execute()
                folder.name, folder.uidvalidity, folder.last_uid = name, uidvalidity, 0
        return folder

    def _batch(self, folder, uids):
        headers = self.conn.fetch_headers(uids)
        self.report.fetched += len(headers)
        keep, kept_addresses = {}, []
        for uid in uids:
            if uid not in headers:
                continue  # expunged meanwhile
            try:
                message = resource(headers[uid][1])
            except Unreadable as exc:
                log.info("IMAP account %s: message %s left out: %s", self.account.id, uid, exc)
                self.report.skipped_other += 1
                continue
            verdict, addresses = self.filter.classify(message)
            if verdict == filters.STORE:
                keep[uid] = headers[uid][1]
                kept_addresses.append(addresses)
            else:
                field = {filters.INTERNAL: "skipped_internal", filters.BLOCKED: "skipped_blocked", filters.AUTOMATED: "skipped_automated"}
                name = field.get(verdict, "skipped_other")
                setattr(self.report, name, getattr(self.report, name) + 1)
        messages = []
        if keep:
            raw = self.conn.fetch_messages(list(keep), self.settings.max_message_bytes)
            messages = [self._kept(header, raw.get(uid)) for uid, header in keep.items()]
        self._commit(folder, messages, max(uids), kept_addresses)

    def _kept(self, header, raw):
        """The kept message with its text; without it when the whole message cannot be read (its headers could)."""
        try:
            return resource(header, raw)
        except Unreadable:
            return resource(header)

    def _commit(self, folder, messages, last_uid, kept_addresses):
        """Store the batch and move the folder's high-water mark, in one transaction, only under our lease."""
        with write_transaction():
            self._check_still_active()
            created = []
            if messages:
                result = store_gmail_messages(self.org, self.user, None, messages, source="sync", store_body=self.org.store_bodies, load_rows=False)
                created = result.created
            ImapFolder.update(last_uid=last_uid).where(ImapFolder.id == folder.id).execute()
            lease.renew(self.account.id, self.owner, self.settings.lease_seconds, messages_synced=ImapAccount.messages_synced + len(created))
            notifications.notify_new_mail(self.org, self.user, created)
        folder.last_uid = last_uid
        self.report.batches += 1
        self.report.stored += len(created)
        self.report.matched += self._count_matched(kept_addresses)

    def _check_still_active(self):
        account = ImapAccount.get_or_none(ImapAccount.id == self.account.id)
        if account is None:
            raise StopImapSync("gone")
        reason = inactive_reason(account, User.get_by_id(self.user.id), Organization.get_by_id(self.org.id))
        if reason:
            raise StopImapSync(reason)
        if account.lease_owner != self.owner:
            raise lease.LeaseLost(f"IMAP account {self.account.id} is leased by another worker")

    def _count_matched(self, address_lists):
        """Count kept messages with a participant who is one of the organisation's contacts or leads."""
        wanted = {a for addresses in address_lists for a in addresses if not self.filter.is_colleague(a)}
        if not wanted:
            return 0
        known = set(column_in(ContactAddress, "email_normalized", wanted, org=self.org.id))
        known.update(column_in(Lead, "email_normalized", wanted - known, org=self.org.id))
        return sum(1 for addresses in address_lists if known.intersection(addresses))
