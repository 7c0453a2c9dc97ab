"""Book, change and cancel a user's meetings, keeping their Google Calendar in step.

Google Calendar is reached with the caller's access token (from the extension)
or, without one, the user's connected mailbox (``google.access.calendar_for``).
A meeting lives in its owner's calendar, so only its owner changes or cancels it.

Booking checks the owner's busy times first (calendar/conflicts.py) and is
refused with ``MeetingConflict`` unless the conflict is allowed. Without
calendar access the meeting is still booked, checked against CRM meetings
only, and pushed at the owner's next calendar sync (calendar/push.py).

A change or a cancellation of a meeting that is in Google goes to Google
first and reaches the database only once Google took it; a change of an
event that changed in Google meanwhile is refused with ``ChangedInGoogle``,
after the meeting has been brought in line with Google's version.

Google's failures (``GoogleApiError``) propagate: the API answers them.
"""

import dataclasses

from threadbook import audit
from threadbook.calendar.apply import CalendarSyncReport, apply_event
from threadbook.calendar.attendees import attendees_of, replace_attendees
from threadbook.calendar.conflicts import busy_times
from threadbook.calendar.events import event_attendees
from threadbook.calendar.push import push_cancel, push_change, push_new
from threadbook.calendar.sync import sync_calendar
from threadbook.crm.records import get_in_org
from threadbook.db import write_transaction
from threadbook.google.access import NoGoogleAccess, calendar_for
from threadbook.google.errors import GoogleApiError, PreconditionFailed
from threadbook.identity import access, sync_schedules
from threadbook.models import Meeting, MeetingAttendee, Organization, utcnow


# -- refusals -----------------------------------------------------------------------
class MeetingRefused(Exception):
    """A rule of meetings refuses the request; the message says why."""


class NotMeetingOwner(MeetingRefused):
    def __init__(self):
        super().__init__("Only the meeting's owner can change it: it lives in their calendar.")


class MeetingCancelled(MeetingRefused):
    def __init__(self):
        super().__init__("This meeting is cancelled; book a new one instead.")


class MeetingConflict(MeetingRefused):
    """The owner is busy then; ``busy`` is the BusyAnswer."""

    def __init__(self, busy, doing):
        super().__init__(f'You are busy then. Pick another time, or send "allow_conflict": true to {doing} it anyway.')
        self.busy = busy


class CalendarNeeded(MeetingRefused):
    """The request needs Google Calendar and there is no access to it."""


class OneWayCalendar(MeetingRefused):
    """The user's calendar sync is one-way (Google → CRM): Threadbook does not write to their Google Calendar."""

    def __init__(self, doing):
        super().__init__(
            f"This meeting is in Google Calendar and your calendar sync is one-way (Google Calendar to Threadbook): {doing} it in Google Calendar, "
            "or choose two-way calendar sync in your Account settings."
        )


# Said with a meeting booked while the calendar sync is one-way.
ONE_WAY_REASON = (
    "Not put in Google Calendar: your calendar sync is one-way (Google Calendar to Threadbook). "
    "Add it to Google Calendar yourself, or choose two-way calendar sync in your Account settings."
)


def writes_to_google(user, org):
    """Whether Threadbook may write the user's meetings to Google Calendar (their calendar direction is two-way)."""
    return sync_schedules.effective_direction(user, org) == "two_way"


class ChangedInGoogle(MeetingRefused):
    """The event changed in Google since Threadbook last saw it; ``meeting`` is the meeting re-read (None if gone)."""

    def __init__(self, meeting):
        super().__init__("This meeting was changed in Google Calendar since Threadbook last saw it. It now shows Google's version; review it and try again.")
        self.meeting = meeting


# -- what the caller asks for -------------------------------------------------------
@dataclasses.dataclass
class NewMeeting:
    title: str
    description: str
    location: str
    start: object  # naive UTC datetime
    end: object
    people: list  # attendees.invitees
    allow_conflict: bool = False
    send_updates: str = "all"  # "none": Google does not mail the attendees


@dataclasses.dataclass
class MeetingChanges:
    fields: dict  # Meeting columns to set: title, description, location, start and end together
    people: list = None  # the new attendee list, None to keep it
    allow_conflict: bool = False
    send_updates: str = "all"

    @property
    def empty(self):
        return not self.fields and self.people is None


@dataclasses.dataclass
class Outcome:
    """What became of a request: the meeting, whether Google has it (and why not), the busy times booked over."""

    meeting: Meeting
    pushed: bool
    reason: str = None
    conflicts: list = None  # Busy; None when the times were not checked
    google_checked: bool = False


# -- access ----------------------------------------------------------------------------
def calendar_access(user, org, access_token=None):
    """Return (Calendar client or None, why it is None)."""
    try:
        return calendar_for(user, org, access_token), None
    except NoGoogleAccess as exc:
        return None, str(exc)


def owned_meeting(user, meeting_id):
    """The user's own meeting with this id; 404 outside their organisation, NotMeetingOwner for a colleague's."""
    meeting = get_in_org(Meeting, meeting_id, user.org_id, "meeting")
    if not access.can_change_meeting(user, meeting):
        raise NotMeetingOwner()
    return meeting


def meeting_to_change(user, meeting_id):
    """The user's own meeting, unless it is cancelled (MeetingCancelled)."""
    meeting = owned_meeting(user, meeting_id)
    if meeting.status == "cancelled":
        raise MeetingCancelled()
    return meeting


# -- busy times ---------------------------------------------------------------------
def busy_between(user, start, end, calendar, reason, exclude=None):
    """The user's BusyAnswer for [start, end); raises GoogleApiError when Google was asked and failed."""
    answer = busy_times(user, start, end, calendar, reason, exclude)
    if answer.google_error is not None:
        raise answer.google_error
    return answer


def busy_for(user, org, start, end, access_token=None, exclude=None):
    """The user's busy times in [start, end), with Google's when there is calendar access (``exclude``: a meeting being moved)."""
    calendar, reason = calendar_access(user, org, access_token)
    return busy_between(user, start, end, calendar, reason, exclude)


# -- book, change, cancel -----------------------------------------------------------
def book_meeting(user, org, new, access_token=None):
    """Book ``new`` (a NewMeeting) for the user and push it to their calendar; return an Outcome.

    Raises MeetingConflict when they are busy then (unless allowed). A failed push
    is not an error: the meeting waits for the owner's next calendar sync. With a
    one-way calendar sync the meeting stays in the CRM (Google is only read for busy times).
    """
    calendar, reason = calendar_access(user, org, access_token)
    one_way = not writes_to_google(user, org)
    answer = busy_between(user, new.start, new.end, calendar, reason)
    if answer.busy and not new.allow_conflict:
        raise MeetingConflict(answer, "book")
    with write_transaction():
        meeting = Meeting.create(
            org=org.id, owner=user.id, title=new.title, description=new.description, location=new.location, start=new.start, end=new.end, source="crm"
        )
        replace_attendees(meeting.id, org.id, new.people)
    pushed = False
    if one_way:
        reason = ONE_WAY_REASON
    elif calendar is not None:
        try:
            push_new(meeting, calendar, new.send_updates)
            pushed, reason = True, None
        except GoogleApiError as exc:
            reason = f"Google Calendar did not take it yet ({exc.message[:200]}); it will be added at your next calendar sync."
    return Outcome(Meeting.get_by_id(meeting.id), pushed, reason, answer.busy, answer.google_checked)


def refresh_from_google(meeting, calendar):
    """Read the meeting's event again and apply it to the CRM (after a 412); return the meeting re-read."""
    event = calendar.on(meeting.google_calendar_id).get_event(meeting.google_event_id)
    org = Organization.get_by_id(meeting.org_id)
    with write_transaction():
        apply_event(org, meeting.owner, event, CalendarSyncReport(meeting.owner_id), meeting.google_calendar_id)
    return Meeting.get_or_none(Meeting.id == meeting.id)


def change_meeting(user, org, meeting, changes, access_token=None):
    """Apply ``changes`` (MeetingChanges) to a meeting from meeting_to_change: Google first, then the CRM; return an Outcome.

    Raises CalendarNeeded (the meeting is in Google, there is no access),
    MeetingConflict (moved onto a busy time, not allowed) or ChangedInGoogle.
    """
    if changes.empty:
        return Outcome(meeting, False, "Nothing to change.")
    fields, people = dict(changes.fields), changes.people
    if meeting.google_event_id and not writes_to_google(user, org):
        raise OneWayCalendar("change")
    calendar, reason = calendar_access(user, org, access_token)
    if meeting.google_event_id and calendar is None:
        raise CalendarNeeded(f"This meeting is in Google Calendar and cannot be changed without it: {reason}")
    conflicts = []
    if "start" in fields and (fields["start"], fields["end"]) != (meeting.start, meeting.end):
        answer = busy_between(user, fields["start"], fields["end"], calendar, reason, exclude=meeting)
        if answer.busy and not changes.allow_conflict:
            raise MeetingConflict(answer, "move")
        conflicts = answer.busy
    pushed = False
    if meeting.google_event_id:
        # Google first, with the state to be; the CRM is written only once Google took it.
        proposed = Meeting(**{**meeting.__data__, **fields})
        attendees = [MeetingAttendee(name=n, address=a) for n, a, _, _ in people] if people is not None else attendees_of(meeting.id)
        try:
            event = push_change(proposed, attendees, calendar.on(meeting.google_calendar_id), changes.send_updates)
        except PreconditionFailed as exc:
            raise ChangedInGoogle(refresh_from_google(meeting, calendar)) from exc
        fields["google_etag"] = event.get("etag")
        people = event_attendees(event, owner_address=user.email)  # Google's answer: keeps the replies attendees already gave
        pushed = True
    with write_transaction():
        Meeting.update(updated_at=utcnow(), **fields).where(Meeting.id == meeting.id).execute()
        if people is not None:
            replace_attendees(meeting.id, meeting.org_id, people)
    reason = None if pushed else "Not in Google Calendar yet; it goes there at your next calendar sync."
    return Outcome(Meeting.get_by_id(meeting.id), pushed, reason, conflicts)


def cancel_meeting(user, org, meeting, access_token=None, send_updates="all"):
    """Cancel a meeting from owned_meeting, deleting its Google event first; return an Outcome.

    Cancelling again changes nothing and is not audited twice. Raises
    CalendarNeeded when the meeting is in Google and there is no access.
    """
    pushed = False
    if meeting.status != "cancelled" and meeting.google_event_id:
        if not writes_to_google(user, org):
            raise OneWayCalendar("cancel")
        calendar, reason = calendar_access(user, org, access_token)
        if calendar is None:
            raise CalendarNeeded(f"This meeting is in Google Calendar and cannot be cancelled without it: {reason}")
        push_cancel(meeting, calendar.on(meeting.google_calendar_id), send_updates)
        pushed = True
    with write_transaction():
        cancelled = Meeting.update(status="cancelled", updated_at=utcnow()).where((Meeting.id == meeting.id) & (Meeting.status != "cancelled")).execute()
        if cancelled:
            audit.record("meeting.cancelled", org=meeting.org_id, user=user, meeting_id=meeting.id, title=meeting.title)
    return Outcome(Meeting.get_by_id(meeting.id), pushed)


def sync_now(user, org, access_token=None):
    """Sync the user's calendar now; return the CalendarSyncReport. Raises CalendarNeeded without calendar access."""
    calendar, reason = calendar_access(user, org, access_token)
    if calendar is None:
        raise CalendarNeeded(reason)
    report = sync_calendar(user, org, calendar)
    sync_schedules.record_run(user.id, "calendar")
    return report
