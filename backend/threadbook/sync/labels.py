"""Threadbook's labels in Gmail: ``Threadbook/Logged`` on synced mail, and deal labels sorted every 10 minutes.

A thread with contacts goes into at most one deal label, by its contacts'
deals (a deal counts for a contact when it names the contact or the
contact's company), in this order:

1. ``Threadbook/Deals closing this month``: an open deal whose close date is in the current month;
2. ``Threadbook/Open deals``: any other open deal;
3. ``Threadbook/Customers``: a won deal.

``ThreadLabel`` records what was applied, so a thread whose deals change is
moved out of its old label, and a thread left with no open or won deal loses
it. With the organisation's ``archive_sorted_threads`` on, a thread sorted
into a label also leaves the inbox. Labels are known by Gmail's id
(mail/gmail_labels.py: a renamed label stays ours); threads whose deal label
the user took off are left alone, and replies arriving later in a sorted
thread get its label from mail sync (sync/label_rules.py).
"""

import datetime
import logging
import time

from flask import current_app

from threadbook.db import write_transaction
from threadbook.google.access import mailbox_gmail
from threadbook.google.credentials import MissingCredentials
from threadbook.google.errors import GoogleApiError, NotFound, ReauthRequired
from threadbook.mail import gmail_labels
from threadbook.mail.gmail_labels import CLOSING, CUSTOMERS, DEAL_LABELS, OPEN
from threadbook.models import Contact, ContactAddress, Deal, EmailParticipant, LabelOptOut, Mailbox, MailboxMessage, Organization, ThreadLabel, User, utcnow
from threadbook.sync import lease
from threadbook.sync.backoff import Backoff
from threadbook.sync.gmail_reader import SyncGmail
from threadbook.sync.quota import bucket_for

log = logging.getLogger(__name__)


def _month_bounds(today):
    first = today.replace(day=1)
    next_month = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, next_month


def deal_label(status, close_date, today):
    """Return the label a single deal asks for, or None (lost deals ask for none)."""
    if status == "open":
        first, next_month = _month_bounds(today)
        if close_date is not None and first <= close_date < next_month:
            return CLOSING
        return OPEN
    if status == "won":
        return CUSTOMERS
    return None


def desired_labels(user_id, org_id, today):
    """Return {gmail thread id: deal label} for the user's threads that have contacts with deals."""
    # Contacts in each of the user's threads, through participant addresses.
    rows = (
        MailboxMessage.select(MailboxMessage.gmail_thread_id, ContactAddress.contact, Contact.company)
        .join(EmailParticipant, on=(EmailParticipant.email == MailboxMessage.email))
        .join(ContactAddress, on=((ContactAddress.org == MailboxMessage.org) & (ContactAddress.email_normalized == EmailParticipant.address_normalized)))
        .join(Contact, on=(Contact.id == ContactAddress.contact))
        .where((MailboxMessage.user == user_id) & (MailboxMessage.org == org_id))
        .distinct()
        .tuples()
    )
    contacts_by_thread = {}
    contact_ids, company_ids = set(), set()
    for thread_id, contact_id, company_id in rows:
        contacts_by_thread.setdefault(thread_id, set()).add((contact_id, company_id))
        contact_ids.add(contact_id)
        if company_id:
            company_ids.add(company_id)
    if not contacts_by_thread:
        return {}
    rank = {label: n for n, label in enumerate(DEAL_LABELS)}
    best_by_contact, best_by_company = {}, {}
    deals = Deal.select(Deal.contact, Deal.company, Deal.status, Deal.close_date).where(
        (Deal.org == org_id) & Deal.status.in_(("open", "won")) & (Deal.contact.in_(list(contact_ids)) | Deal.company.in_(list(company_ids) or [0]))
    )
    for contact_id, company_id, status, close_date in deals.tuples():
        label = deal_label(status, close_date, today)
        if label is None:
            continue
        for key, best in ((contact_id, best_by_contact), (company_id, best_by_company)):
            if key is not None and (key not in best or rank[label] < rank[best[key]]):
                best[key] = label
    desired = {}
    for thread_id, members in contacts_by_thread.items():
        labels = [best_by_contact.get(c) for c, _ in members] + [best_by_company.get(co) for _, co in members if co]
        labels = [label for label in labels if label]
        if labels:
            desired[thread_id] = min(labels, key=rank.get)
    return desired


def applied_labels(user_id):
    """Return {gmail thread id: deal label} as ThreadLabel records them."""
    rows = ThreadLabel.select(ThreadLabel.gmail_thread_id, ThreadLabel.label).where((ThreadLabel.user == user_id) & ThreadLabel.label.in_(DEAL_LABELS))
    return dict(rows.tuples())


def opted_out_threads(user_id):
    """Threads whose deal label the user took off in Gmail: the round leaves them alone (sync/label_rules.py)."""
    query = LabelOptOut.select(LabelOptOut.gmail_thread_id).where((LabelOptOut.user == user_id) & (LabelOptOut.kind == "deals"))
    return {thread_id for (thread_id,) in query.tuples()}


def plan(desired, applied, opted_out=frozenset()):
    """Return [(thread id, label to add or None, label to remove or None)] to reach ``desired``, leaving ``opted_out`` threads alone."""
    moves = []
    for thread_id in sorted((set(desired) | set(applied)) - set(opted_out)):
        want, have = desired.get(thread_id), applied.get(thread_id)
        if want != have:
            moves.append((thread_id, want, have))
    return moves


def sort_mailbox_labels(mailbox_id, gmail=None, today=None, sleep=None, owner=None):
    """Move the mailbox's threads into the deal labels their contacts' deals ask for; return counts.

    Takes the mailbox's lease, like sync, so one worker at a time spends its Gmail quota.
    """
    config = current_app.config
    result = {"outcome": "sorted", "added": 0, "removed": 0, "archived": 0, "gone": 0}
    mailbox = Mailbox.get_or_none(Mailbox.id == mailbox_id)
    if mailbox is None or mailbox.status != "active":
        return {**result, "outcome": "inactive"}
    user, org = User.get_by_id(mailbox.user_id), Organization.get_by_id(mailbox.org_id)
    if user.sync_paused or not org.sync_enabled:
        return {**result, "outcome": "inactive"}
    owner = owner or lease.new_owner_id("labels")
    lease_seconds = config.get("SYNC_LEASE_SECONDS", 300)
    if not lease.acquire(mailbox.id, owner, lease_seconds):
        return {**result, "outcome": "busy"}
    try:
        today = today or utcnow().date()
        moves = plan(desired_labels(user.id, org.id, today), applied_labels(user.id), opted_out_threads(user.id))
        if not moves:
            return result
        sleep_fn = sleep or time.sleep
        backoff = Backoff(retries=config.get("SYNC_MAX_RETRIES", 5), sleep=sleep_fn)
        bucket = bucket_for(mailbox.id, config.get("SYNC_QUOTA_UNITS_PER_SECOND", 200.0), sleep=sleep_fn)
        client = SyncGmail(gmail or mailbox_gmail(mailbox, user, org), bucket, backoff)
        label_ids = client.label_ids(user, sorted({name for _, add, remove in moves for name in (add, remove) if name}))
        with write_transaction():
            gmail_labels.remember(user, client.take_label_changes())
        for thread_id, add, remove in moves:
            add_ids = [label_ids[add]] if add else []
            remove_ids = [label_ids[remove]] if remove else []
            if add and org.archive_sorted_threads:
                remove_ids.append("INBOX")
                result["archived"] += 1
            history_id = None
            try:
                answer = client.modify_thread(thread_id, add=add_ids, remove=remove_ids)
                history_id = (answer or {}).get("historyId")
            except NotFound:
                result["gone"] += 1  # the thread was deleted in Gmail: forget its label
            _record(org.id, user.id, thread_id, add, remove, history_id)
            lease.renew(mailbox.id, owner, lease_seconds)
            result["added"] += 1 if add else 0
            result["removed"] += 1 if remove else 0
        return result
    except (MissingCredentials, ReauthRequired) as exc:
        log.warning("mailbox %s: label sorting needs a reconnected mailbox (%s)", mailbox.id, exc.__class__.__name__)
        return {**result, "outcome": "needs_reconnect"}
    except GoogleApiError as exc:
        log.warning("mailbox %s: label sorting stopped: %s", mailbox.id, exc)
        return {**result, "outcome": "error"}
    except lease.LeaseLost:
        return {**result, "outcome": "lease_lost"}
    finally:
        lease.release(mailbox.id, owner)


def _record(org_id, user_id, thread_id, add, remove, history_id=None):
    """Remember the thread's label, with the history id Gmail gave the change (a later removal is the user's)."""
    with write_transaction():
        if remove:
            ThreadLabel.delete().where((ThreadLabel.user == user_id) & (ThreadLabel.gmail_thread_id == thread_id) & (ThreadLabel.label == remove)).execute()
        if add:
            ThreadLabel.insert(org=org_id, user=user_id, gmail_thread_id=thread_id, label=add, history_id=history_id).on_conflict(
                conflict_target=[ThreadLabel.user, ThreadLabel.gmail_thread_id, ThreadLabel.label], update={ThreadLabel.history_id: history_id}
            ).execute()
