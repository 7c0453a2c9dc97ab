"""Find when a user is busy, so a meeting is never booked on top of another.

Two sources: the user's confirmed CRM meetings in their own calendar
(including ones not yet in Google; a meeting they own because they synced a
team calendar is not their time), and Google Calendar's ``freebusy.query`` for their primary calendar
(every busy event, whatever its colour). A meeting being rescheduled does not
conflict with itself: its own row is left out, and so is a Google busy block
that is exactly its current time.
"""

import dataclasses

from threadbook.crm.serializers import iso
from threadbook.google.errors import GoogleApiError
from threadbook.models import Meeting


@dataclasses.dataclass
class Busy:
    start: object  # naive UTC datetime
    end: object
    source: str  # "threadbook" or "google"
    meeting_id: int = None
    title: str = None

    def as_dict(self):
        return {"start": iso(self.start), "end": iso(self.end), "source": self.source, "meeting_id": self.meeting_id, "title": self.title}


@dataclasses.dataclass
class BusyAnswer:
    busy: list
    google_checked: bool
    reason: str = None  # why Google was not checked
    google_error: GoogleApiError = None  # set when Google was asked and failed


def crm_busy(user, start, end, exclude_id=None):
    """The user's confirmed CRM meetings in their primary calendar overlapping [start, end)."""
    query = Meeting.select(Meeting.id, Meeting.start, Meeting.end, Meeting.title).where(
        (Meeting.org == user.org_id)
        & (Meeting.owner == user.id)
        & Meeting.google_calendar_id.is_null()
        & (Meeting.status == "confirmed")
        & (Meeting.start < end)
        & (Meeting.end > start)
    )
    if exclude_id is not None:
        query = query.where(Meeting.id != exclude_id)
    return [Busy(m.start, m.end, "threadbook", m.id, m.title) for m in query.order_by(Meeting.start)]


def busy_times(user, start, end, calendar=None, unavailable_reason=None, exclude=None):
    """Return a BusyAnswer for [start, end): CRM meetings, then Google's busy blocks not already listed.

    ``calendar`` is the user's Calendar client, or None with ``unavailable_reason``.
    A Google failure is reported in ``google_error``, not raised: the caller decides.
    """
    own = crm_busy(user, start, end, exclude.id if exclude is not None else None)
    if calendar is None:
        return BusyAnswer(own, False, unavailable_reason)
    try:
        blocks = calendar.busy(start, end)
    except GoogleApiError as exc:
        return BusyAnswer(own, False, f"Google Calendar did not answer ({exc.message[:200]}).", exc)
    # Google clips its blocks to the window asked about: compare clipped.
    listed = {(max(b.start, start), min(b.end, end)) for b in own}
    if exclude is not None:
        listed.add((max(exclude.start, start), min(exclude.end, end)))
    google = [Busy(s, e, "google") for s, e in blocks if (s, e) not in listed and s < end and e > start]
    return BusyAnswer(sorted(own + google, key=lambda b: (b.start, b.end)), True)
