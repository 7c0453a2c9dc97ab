"""Keep CRM meetings in step with the Google Calendars a user chose (their primary one unless they chose others).

Google → CRM, one calendar at a time, each with its own sync token
(``SyncedCalendar``, calendar/health.py). The first sync of a calendar lists
the last ``CALENDAR_SYNC_DAYS`` (and what follows) with ``singleEvents``
(each occurrence of a recurring event is a meeting); later syncs pass the
stored ``syncToken`` and get only changes, deletions and cancelled
occurrences included. When Google answers 410 the token has expired: a full
sync of that calendar runs again and meetings whose events are gone are
removed (calendar meetings) or cancelled (CRM meetings). What each event does
to the CRM is calendar/apply.py's.

A deleted recurring series: Google lists its cancelled occurrences only some
months ahead, so when an incremental sync meets a cancelled occurrence, the
series is read once (``events.get``) and, when it is deleted, every meeting
of the series is cancelled.

Each page is applied in one transaction, with the new sync token on the last
page, so a run that dies resumes from the last stored token. A calendar that
fails is recorded on its row (a sentence the user can act on) and the others
still sync; calendar failures never change the mailbox's status.
"""

import datetime
import logging

from flask import current_app
from peewee import fn

from threadbook.calendar import health
from threadbook.calendar.apply import CalendarSyncReport, apply_event, calendar_key
from threadbook.calendar.push import push_pending
from threadbook.db import write_transaction
from threadbook.google.access import NoGoogleAccess, calendar_for, granted_calendar_scopes
from threadbook.google.errors import Gone, GoogleApiError, NotFound
from threadbook.identity import sync_schedules
from threadbook.jobs import queue
from threadbook.models import Mailbox, Meeting, Organization, User, utcnow

log = logging.getLogger(__name__)
MODES = ("incremental", "full", "resync")  # from least to most thorough


class _Run:
    """One calendar's sync within a run: its row, its client, what it found."""

    def __init__(self, org, user, calendar, row, report):
        self.org, self.user, self.row, self.report = org, user, row, report
        self.calendar = calendar.on(row.calendar_id)
        self.key = calendar_key(row.calendar_id)
        self.series_checked = set()

    def apply_page(self, items):
        for event in items:
            apply_event(self.org, self.user, event, self.report, self.row.calendar_id)

    def check_series(self, items):
        """Cancel every meeting of a series Google deleted (its far occurrences are never listed)."""
        for event in items:
            series_id = event.get("recurringEventId")
            if event.get("status") != "cancelled" or not series_id or series_id in self.series_checked:
                continue
            self.series_checked.add(series_id)
            try:
                deleted = self.calendar.get_event(series_id).get("status") == "cancelled"
            except (NotFound, Gone):
                deleted = True
            if deleted:
                with write_transaction():
                    self.report.cancelled += (
                        Meeting.update(status="cancelled", updated_at=utcnow())
                        .where(
                            (Meeting.owner == self.user.id)
                            & (Meeting.google_series_id == series_id)
                            & (Meeting.google_calendar_id.is_null() if self.key is None else Meeting.google_calendar_id == self.key)
                            & (Meeting.status != "cancelled")
                        )
                        .execute()
                    )

    def incremental(self):
        page_token = None
        while True:
            page = self.calendar.list_events(sync_token=self.row.sync_token, page_token=page_token)
            page_token = page.get("nextPageToken")
            items = page.get("items") or []
            with write_transaction():
                self.apply_page(items)
                if not page_token:
                    health.store_token(self.row, page.get("nextSyncToken"))
            self.check_series(items)
            self.report.pages += 1
            if not page_token:
                return

    def full(self, days):
        started = utcnow()
        since = started - datetime.timedelta(days=days)
        seen = set()
        page_token = None
        while True:
            page = self.calendar.list_events(time_min=since, page_token=page_token)
            page_token = page.get("nextPageToken")
            items = page.get("items") or []
            seen.update(event["id"] for event in items)
            with write_transaction():
                self.apply_page(items)
                if not page_token:
                    self.forget_missing(seen, since, started)
                    health.store_token(self.row, page.get("nextSyncToken"))
            self.report.pages += 1
            if not page_token:
                return

    def forget_missing(self, seen, since, started):
        """After a full listing: events that are gone take their meetings out (calendar) or cancel them (CRM).

        Only this calendar's meetings in the listed window, untouched since the
        listing began: a meeting booked meanwhile is not "missing".
        """
        candidates = Meeting.select().where(
            (Meeting.org == self.org.id)
            & (Meeting.owner == self.user.id)
            & (Meeting.google_calendar_id.is_null() if self.key is None else Meeting.google_calendar_id == self.key)
            & Meeting.google_event_id.is_null(False)
            & (Meeting.status == "confirmed")
            & (Meeting.end > since)
            & (Meeting.updated_at < started)
        )
        for meeting in candidates:
            if meeting.google_event_id in seen:
                continue
            if meeting.source == "calendar":
                meeting.delete_instance()
                self.report.removed += 1
            else:
                Meeting.update(status="cancelled", updated_at=utcnow()).where(Meeting.id == meeting.id).execute()
                self.report.cancelled += 1

    def run(self, days):
        """Sync this calendar; return its mode. Raises GoogleApiError."""
        if self.row.sync_token:
            try:
                self.incremental()
                return "incremental"
            except Gone:
                log.info("user %s: sync token of calendar %s expired; full sync", self.user.id, self.row.id)
                with write_transaction():
                    health.store_token(self.row, None)
                self.full(days)
                return "resync"
        self.full(days)
        return "full"


def _sync_one(org, user, calendar, row, report, days):
    entry = {"calendar_id": row.calendar_id, "summary": row.summary, "outcome": "synced", "mode": "", "error": ""}
    report.calendars.append(entry)
    try:
        entry["mode"] = _Run(org, user, calendar, row, report).run(days)
    except GoogleApiError as exc:
        report.failure = report.failure or exc
        entry["outcome"], entry["error"] = "error", health.failure_message(exc, row)
        health.record_failure(row, entry["error"])
        log.warning("user %s: calendar %s failed: %s (%s)", user.id, row.id, exc.message[:300], exc.status)
        return
    health.record_success(row)


def sync_calendar(user, org, calendar, days=None, push=True):
    """Sync every calendar the user chose into the CRM now, then push meetings still waiting for Google; return a report."""
    days = days if days is not None else current_app.config["CALENDAR_SYNC_DAYS"]
    report = CalendarSyncReport(user.id)
    for row in health.calendars_to_sync(user):
        _sync_one(org, user, calendar, row, report, days)
    modes = [c["mode"] for c in report.calendars if c["mode"]]
    report.mode = max(modes, key=MODES.index) if modes else ""
    failed = [c for c in report.calendars if c["outcome"] == "error"]
    if failed:
        report.outcome = "error" if len(failed) == len(report.calendars) else "partial"
        report.error = failed[0]["error"]
    # A one-way calendar sync only reads Google: meetings booked in the CRM stay there.
    if push and report.outcome != "error" and sync_schedules.effective_direction(user, org) == "two_way":
        try:
            report.pushed = push_pending(user, calendar)
        except GoogleApiError as exc:
            report.outcome, report.error = "partial", f"Meetings booked in Threadbook could not reach Google Calendar yet ({exc.message[:200]})."
    return report


def record_unavailable(user, reason):
    """No calendar access at all: every chosen calendar shows why (the mailbox's grant lacks Calendar, or is gone)."""
    report = CalendarSyncReport(user.id, outcome="unavailable", error=reason)
    for row in health.calendars_to_sync(user):
        health.record_failure(row, reason)
    return report


# -- the periodic schedule ------------------------------------------------------
def calendar_mailboxes_due(now=None):
    """Return ids of mailboxes whose calendars may sync now (active, not paused, org enabled, calendar granted, due by the user's schedule)."""
    query = (
        Mailbox.select(Mailbox.id, Mailbox.kind, Mailbox.scopes)
        .join(User, on=(Mailbox.user == User.id))
        .switch(Mailbox)
        .join(Organization, on=(Mailbox.org == Organization.id))
        .where((Mailbox.status == "active") & (User.sync_paused == False) & (Organization.sync_enabled == True))
        .where(Mailbox.user.in_(sync_schedules.due_user_ids("calendar", now)))
        .order_by(fn.COALESCE(Mailbox.last_synced_at, Mailbox.created_at))
    )
    return [m.id for m in query if granted_calendar_scopes(m)]


class CalendarSyncRefused(Exception):
    """ "Sync now" of the calendar cannot run: ``code`` and a message saying why and what to do."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message


def request_sync(user, org):
    """Queue a calendar sync of the user now ("Sync now", whatever their schedule); return False when one was already waiting.

    Raises CalendarSyncRefused when it could not run: sync paused or turned off, no mailbox with calendar access.
    """
    user = User.get_by_id(user.id)
    if not org.sync_enabled:
        raise CalendarSyncRefused("sync_disabled", "Your organisation has turned sync off; ask an administrator.")
    if user.sync_paused:
        raise CalendarSyncRefused("sync_paused", "Your sync is paused; resume it first.")
    mailbox = Mailbox.get_or_none((Mailbox.user == user.id) & (Mailbox.org == org.id))
    if mailbox is None or mailbox.status != "active" or not granted_calendar_scopes(mailbox):
        raise CalendarSyncRefused("calendar_not_connected", "Threadbook has no access to your Google Calendar: connect Gmail with calendar access first.")
    with sync_schedules.requesting_run(user, "calendar") as fresh:
        if fresh:
            queue.enqueue("sync_calendar", mailbox.id)  # QueueUnavailable: a 503, and the request is withdrawn
    return fresh


def sync_calendar_mailbox(mailbox_id):
    """Sync the calendars of one connected mailbox's user (the periodic task's body); return a report."""
    mailbox = Mailbox.get_or_none(Mailbox.id == mailbox_id)
    if mailbox is None:
        return None
    user, org = User.get_by_id(mailbox.user_id), Organization.get_by_id(mailbox.org_id)
    if user.sync_paused or not org.sync_enabled:
        # Queued before the user paused or the organisation turned sync off: no Google call now.
        return CalendarSyncReport(user.id, outcome="paused" if user.sync_paused else "disabled")
    try:
        calendar = calendar_for(user, org)
    except NoGoogleAccess as exc:
        report = record_unavailable(user, str(exc))
    else:
        report = sync_calendar(user, org, calendar)
    sync_schedules.record_run(user.id, "calendar")  # whatever the outcome: the next run is due an interval later
    return report
