"""One page of a mailbox sync: fetch, classify and label its messages, then store them with the resume position.

``prepare`` talks to Gmail and only reads the database, so the backfill runs
it in a prefetch thread; it labels the new messages (mail/gmail_labels.py), and
the ids of labels it had to find or create are stored with the page.
``commit`` stores a prepared page, takes out removed messages and saves the
position to resume from, in one transaction and only while the run still holds
the mailbox's lease (``lease.renew``). Storing goes through
``mail.store.store_gmail_messages`` with ``source="sync"``. Mail the
owner unlogged is left out before labelling (mail/unlogged.py). What a page
leaves out on purpose is remembered by Gmail id (sync/skipped.py) for reconciliation.
"""

import collections
import dataclasses
import logging

from threadbook.db import write_transaction
from threadbook.google.errors import GoogleApiError, ReauthRequired
from threadbook.mail import filters, gmail_labels, unlogged
from threadbook.mail.content_policy import wants_bodies
from threadbook.mail.store import parse_gmail_message, store_gmail_messages
from threadbook.models import ContactAddress, Email, FilteredThread, Lead, Mailbox, MailboxMessage, Organization, User, utcnow
from threadbook.sync import health, lease, skipped
from threadbook.sync.due import StopSync, inactive_reason
from threadbook.sync.id_lookup import LOOKUP_CHUNK, column_in

log = logging.getLogger(__name__)


@dataclasses.dataclass
class PreparedPage:
    """One page fetched, classified and labelled, waiting to be stored."""

    keep: list = dataclasses.field(default_factory=list)
    skipped: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    fetched: int = 0
    matched: int = 0
    labels_failed: int = 0
    filtered: list = dataclasses.field(default_factory=list)  # (thread id, reason, detail) of mail no person wrote
    left_out: list = dataclasses.field(default_factory=list)  # (gmail message id, verdict) not stored on purpose
    next_token: str = None


class PageStore:
    """Prepare and commit the pages of one run over one mailbox, holding its lease."""

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

    def prepare(self, ids):
        """Fetch and classify one page's new messages, and label the ones to store (Gmail and reads only)."""
        page = PreparedPage()
        stored = self._already_stored(ids)
        new_ids = [i for i in dict.fromkeys(ids) if i not in stored]
        messages = self.gmail.fetch_messages(new_ids, full=wants_bodies(self.org)) if new_ids else []
        page.fetched = len(messages)
        messages = self._not_unlogged(messages, page)
        keep_addresses, internal = [], []
        for message in messages:
            verdict, addresses = self.filter.classify(message)
            if verdict == filters.STORE:
                page.keep.append(message)
                keep_addresses.append(addresses)
            else:
                page.skipped[verdict] += 1
                page.left_out.append((message["id"], verdict))
                if verdict == filters.INTERNAL:
                    internal.append(message)
                elif verdict == filters.AUTOMATED:
                    page.filtered.append((message["threadId"], *filters.automated_reason(message)))
        if (page.keep or internal) and self.settings.label_messages:
            # Before the commit: labelling is idempotent, so a crash in between only relabels.
            page.labels_failed = self._label(gmail_labels.labels_for_new_messages(self.user.id, page.keep, internal))
        page.matched = self._count_matched(keep_addresses)
        return page

    def commit(self, page, removed_ids, progress):
        """Store a prepared page and save ``progress`` with it, in one transaction, only under our lease."""
        self._check_still_active()
        with write_transaction():
            placed, created = 0, []
            if page.keep:
                result = store_gmail_messages(self.org, self.user, None, page.keep, source="sync", store_body=wants_bodies(self.org), load_rows=False)
                placed, created = len(result.created) + len(result.linked), result.created
            removed = self._remove(removed_ids) if removed_ids else 0
            if page.filtered:
                self._record_filtered(page.filtered)
            if page.left_out:
                skipped.remember(self.org.id, self.user.id, page.left_out)
            label_changes = self.gmail.take_label_changes()
            if label_changes:
                gmail_labels.remember(self.user, label_changes)
            filtered = page.skipped[filters.AUTOMATED] + page.skipped[filters.BLOCKED]
            health.count_page(self.mailbox, self.org, self.user, created, placed, filtered, page.labels_failed)  # sync/health.py
            lease.renew(self.mailbox.id, self.owner, self.settings.lease_seconds, messages_synced=Mailbox.messages_synced + placed, **progress)
        report = self.report
        report.pages += 1
        report.fetched += page.fetched
        report.stored += placed
        report.removed += removed
        report.matched += page.matched
        report.skipped_internal += page.skipped[filters.INTERNAL]
        report.skipped_blocked += page.skipped[filters.BLOCKED]
        report.skipped_other += page.skipped[filters.SKIPPED]
        report.skipped_automated += page.skipped[filters.AUTOMATED]
        report.labels_failed += page.labels_failed
        if self.on_page:
            self.on_page(report)

    def _not_unlogged(self, messages, page):
        """Leave out mail the owner unlogged: it is neither labelled nor stored again (counted as skipped)."""
        if not messages or not unlogged.has_any(self.user.id):
            return messages
        keys = [parse_gmail_message(m).message_key(self.user.id) for m in messages]
        gone = unlogged.among(self.user.id, keys)
        page.skipped[filters.SKIPPED] += sum(key in gone for key in keys)
        page.left_out.extend((m["id"], "unlogged") for m, key in zip(messages, keys, strict=True) if key in gone)
        return [m for m, key in zip(messages, keys, strict=True) if key not in gone]

    def _check_still_active(self):
        mailbox = Mailbox.get_by_id(self.mailbox.id)
        user = User.get_by_id(self.user.id)
        org = Organization.get_by_id(self.org.id)
        reason = inactive_reason(mailbox, user, org)
        if reason:
            raise StopSync(reason)
        if mailbox.lease_owner != self.owner:
            raise lease.LeaseLost(f"mailbox {self.mailbox.id} is leased by another worker")

    def _record_filtered(self, filtered):
        """Remember why each thread's latest automated message was left out, for the panel ("Log anyway")."""
        now = utcnow()
        for thread_id, reason, detail in filtered:
            FilteredThread.insert(
                org=self.org.id, user=self.user.id, gmail_thread_id=thread_id, reason=reason, detail=detail[:255], filtered_at=now
            ).on_conflict(
                conflict_target=[FilteredThread.user, FilteredThread.gmail_thread_id],
                update={FilteredThread.reason: reason, FilteredThread.detail: detail[:255], FilteredThread.filtered_at: now},
            ).execute()

    def _already_stored(self, ids):
        return set(column_in(MailboxMessage, "gmail_message_id", ids, user=self.user.id))

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

    def _label(self, groups):
        """Put Threadbook's labels on the page's messages ({label names: message ids}); return how many could not be labelled."""
        if not groups:
            return 0
        try:
            ids = self.gmail.label_ids(self.user, sorted({name for names in groups for name in names}))
            for names, message_ids in groups.items():
                self.gmail.add_labels_to_messages(message_ids, [ids[name] for name in names])
            return 0
        except ReauthRequired:
            raise
        except GoogleApiError as exc:
            # A missing label is cosmetic; the mail itself must still be stored.
            count = sum(len(message_ids) for message_ids in groups.values())
            log.warning("mailbox %s: could not label %d message(s): %s", self.mailbox.id, count, exc)
            return count

    def _count_matched(self, address_lists):
        """Count messages with a participant who is one of the organisation's contacts or leads."""
        wanted = {a for addresses in address_lists for a in addresses if not self.filter.is_colleague(a)}
        if not wanted:
            return 0
        known = set(column_in(ContactAddress, "email_normalized", wanted, org=self.org.id))
        known.update(column_in(Lead, "email_normalized", wanted - known, org=self.org.id))
        return sum(1 for addresses in address_lists if known.intersection(addresses))
