"""Keep CRM meetings in step with a user's Google Calendar.

Google → CRM. Events coloured Blueberry (colorId "9") become meetings
(source "calendar") linked to their attendees by normalised address, so a
contact, a lead and, through its contacts, a company see them on their
timelines. The first sync lists the last ``CALENDAR_SYNC_DAYS`` (and what
follows) with ``singleEvents`` (each occurrence of a recurring event is a
meeting); later syncs pass the stored ``syncToken`` and get only changes,
deletions included. When Google answers 410 the token has expired: a full
sync runs again and meetings whose events are gone are removed (calendar
meetings) or cancelled (CRM meetings).

Meetings created in the CRM carry ``extendedProperties.private``
``threadbookMeetingId``/``threadbookOrgId`` on their event (calendar/events.py),
so sync recognises them whatever their colour, and links an event whose
insert answer was lost instead of duplicating it.

No echo loops: sync writes Google's state into the CRM and never pushes;
pushes (calendar/push.py) store the etag Google answers with, so sync skips an
event whose etag it already holds. A calendar meeting recoloured away from
Blueberry leaves the CRM.

Each page is applied in one transaction, with the new sync token on the last
page, so a run that dies resumes from the last stored token.
"""

import dataclasses
import datetime
import logging

from flask import current_app
from peewee import fn

from threadbook.calendar.attendees import replace_attendees
from threadbook.calendar.events import crm_mark, event_attendees, meeting_fields
from threadbook.calendar.push import push_pending
from threadbook.db import write_transaction
from threadbook.google.access import NoGoogleAccess, calendar_for, granted_calendar_scopes
from threadbook.google.calendar import BLUEBERRY
from threadbook.google.errors import Gone, GoogleApiError
from threadbook.models import Mailbox, Meeting, Organization, User, utcnow

log = logging.getLogger(__name__)


@dataclasses.dataclass
class CalendarSyncReport:
    """What one run did; ``outcome`` is synced, unavailable, error, or paused/disabled (not run); ``mode`` full, incremental or resync (after a 410)."""

    user_id: int
    outcome: str = "synced"
    mode: str = ""
    pages: int = 0
    created: int = 0
    updated: int = 0
    cancelled: int = 0
    removed: int = 0
    unchanged: int = 0
    ignored: int = 0
    pushed: int = 0
    error: str = ""

    def as_dict(self):
        return dataclasses.asdict(self)


# -- applying events -----------------------------------------------------------
def find_meeting_for_event(org_id, user_id, event):
    """Return the meeting that follows this event in the user's calendar, or None."""
    meeting = Meeting.get_or_none((Meeting.org == org_id) & (Meeting.owner == user_id) & (Meeting.google_event_id == event["id"]))
    if meeting is not None:
        return meeting
    marked = crm_mark(event, org_id)
    if marked is None:
        return None
    # A CRM meeting whose insert reached Google but whose answer never came back.
    return Meeting.get_or_none((Meeting.id == marked) & (Meeting.org == org_id) & (Meeting.owner == user_id) & Meeting.google_event_id.is_null())


def apply_event(org, user, event, report):
    """Bring the CRM in line with one event of the user's calendar (inside a transaction)."""
    meeting = find_meeting_for_event(org.id, user.id, event)
    if event.get("status") == "cancelled":
        if meeting is not None and meeting.status != "cancelled":
            Meeting.update(status="cancelled", google_etag=event.get("etag"), google_event_id=event["id"], updated_at=utcnow()).where(
                Meeting.id == meeting.id
            ).execute()
            report.cancelled += 1
        return
    if meeting is not None and meeting.google_event_id == event["id"] and meeting.google_etag == event.get("etag"):
        report.unchanged += 1  # our own push coming back, or nothing new
        return
    blueberry = event.get("colorId") == BLUEBERRY
    try:
        fields = meeting_fields(event)
    except ValueError:
        report.ignored += 1
        return
    if meeting is None:
        if not blueberry:
            report.ignored += 1
            return
        meeting = Meeting.create(org=org.id, owner=user.id, source="calendar", updated_at=utcnow(), **fields)
        replace_attendees(meeting.id, org.id, event_attendees(event))
        report.created += 1
        return
    if meeting.source == "calendar" and not blueberry:
        meeting.delete_instance()  # recoloured: the user took it out of the CRM
        report.removed += 1
        return
    Meeting.update(updated_at=utcnow(), **fields).where(Meeting.id == meeting.id).execute()
    replace_attendees(meeting.id, org.id, event_attendees(event))
    report.updated += 1


# -- one run --------------------------------------------------------------------
def _store_token(mailbox, token):
    if mailbox is not None:
        Mailbox.update(calendar_sync_token=token).where(Mailbox.id == mailbox.id).execute()
        mailbox.calendar_sync_token = token


def _incremental(org, user, calendar, mailbox, report):
    page_token = None
    while True:
        page = calendar.list_events(sync_token=mailbox.calendar_sync_token, page_token=page_token)
        page_token = page.get("nextPageToken")
        with write_transaction():
            for event in page.get("items") or []:
                apply_event(org, user, event, report)
            if not page_token:
                _store_token(mailbox, page.get("nextSyncToken"))
        report.pages += 1
        if not page_token:
            return


def _full(org, user, calendar, mailbox, report, days):
    started = utcnow()
    since = started - datetime.timedelta(days=days)
    seen = set()
    page_token = None
    while True:
        page = calendar.list_events(time_min=since, page_token=page_token)
        page_token = page.get("nextPageToken")
        items = page.get("items") or []
        seen.update(event["id"] for event in items)
        with write_transaction():
            for event in items:
                apply_event(org, user, event, report)
            if not page_token:
                _forget_missing(org, user, seen, since, started, report)
                _store_token(mailbox, page.get("nextSyncToken"))
        report.pages += 1
        if not page_token:
            return


def _forget_missing(org, user, seen, since, started, report):
    """After a full listing: events that are gone take their meetings out (calendar) or cancel them (CRM).

    Only meetings in the listed window and untouched since the listing began:
    a meeting booked meanwhile is not "missing".
    """
    candidates = Meeting.select().where(
        (Meeting.org == org.id)
        & (Meeting.owner == user.id)
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
            report.removed += 1
        else:
            Meeting.update(status="cancelled", updated_at=utcnow()).where(Meeting.id == meeting.id).execute()
            report.cancelled += 1


def sync_calendar(user, org, calendar, days=None, push=True):
    """Sync the user's calendar into the CRM now, then push meetings still waiting for Google; return a report."""
    days = days if days is not None else current_app.config["CALENDAR_SYNC_DAYS"]
    report = CalendarSyncReport(user.id)
    mailbox = Mailbox.get_or_none(Mailbox.user == user.id)
    try:
        if mailbox is not None and mailbox.calendar_sync_token:
            report.mode = "incremental"
            try:
                _incremental(org, user, calendar, mailbox, report)
            except Gone:
                log.info("user %s: calendar sync token expired; full sync", user.id)
                report.mode = "resync"
                with write_transaction():
                    _store_token(mailbox, None)
                _full(org, user, calendar, mailbox, report, days)
        else:
            report.mode = "full"
            _full(org, user, calendar, mailbox, report, days)
        if push:
            report.pushed = push_pending(user, calendar)
    except GoogleApiError as exc:
        report.outcome = "error"
        report.error = f"Google Calendar answered {exc.status or 'no status'}: {exc.message[:300]}"
        log.warning("user %s: calendar sync failed: %s", user.id, report.error)
    return report


# -- the periodic schedule ------------------------------------------------------
def calendar_mailboxes_due():
    """Return ids of mailboxes whose calendars may sync now (active, not paused, org enabled, calendar granted)."""
    query = (
        Mailbox.select(Mailbox.id, Mailbox.kind, Mailbox.scopes)
        .join(User, on=(Mailbox.user == User.id))
        .switch(Mailbox)
        .join(Organization, on=(Mailbox.org == Organization.id))
        .where((Mailbox.status == "active") & (User.sync_paused == False) & (Organization.sync_enabled == True))
        .order_by(fn.COALESCE(Mailbox.last_synced_at, Mailbox.created_at))
    )
    return [m.id for m in query if granted_calendar_scopes(m)]


def sync_calendar_mailbox(mailbox_id):
    """Sync the calendar of one connected mailbox's user (the periodic task's body); return a report."""
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
        report = CalendarSyncReport(user.id, outcome="unavailable", error=str(exc))
        return report
    return sync_calendar(user, org, calendar)
