"""The fake Calendar's state: calendars and their events, who may see which, and what the test does as a user.

- ``CalendarState`` holds every calendar by id, each account's calendar list
  (``calendarList``), the access tokens' grants, injected failures and a call log.
  ``add_calendar(address)`` gives an account its primary calendar (id: the
  address, as Google's); ``add_shared_calendar("Sales team", {address: role})``
  adds a secondary calendar (id ``c_…@group.calendar.google.com``) to the
  members' calendar lists with their access role (``owner``, ``writer``,
  ``reader``, ``freeBusyReader``).
- ``FakeCalendar`` is one calendar: its events by id, a change counter behind
  etags and sync tokens, and what a person does in Google Calendar
  (``add_event``, ``add_series``, ``add_all_day``, ``edit_event``,
  ``move_occurrence``, ``cancel_occurrence``, ``cancel_event``, ``respond``).
  Recurring events follow gcalendar_recurrence.py.

Like Google, ``self`` on an attendee or organiser means "the calendar this
copy is on", not "the person asking": on a shared calendar the organiser is
the calendar itself.
"""

import base64
import copy
import datetime
import itertools
import threading
from dataclasses import dataclass, field

from . import gcalendar_recurrence as recurrence
from .google_common import GoogleError, Grant, InjectedFailures, scope

ROLES = ("freeBusyReader", "reader", "writer", "owner")
BASE32HEX = "0123456789abcdefghijklmnopqrstuv"
# The colours Google gives calendars in a list (colorId → background).
LIST_COLOURS = {"14": "#9fe1e7", "9": "#7bd148", "3": "#f83a22", "17": "#9a9cff"}
UTC = datetime.UTC


def token(text):
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def parse_time(value, name="time"):
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        raise GoogleError(400, f"Bad Request: invalid {name} '{value}'", "badRequest") from None
    if parsed.tzinfo is None:
        raise GoogleError(400, f"Bad Request: {name} needs a time zone offset", "badRequest")
    return parsed.astimezone(UTC)


def event_time(when, name):
    """Return the UTC instant of an event's start or end ({dateTime} or all-day {date})."""
    if not isinstance(when, dict):
        raise GoogleError(400, f"Missing {name} time.", "required")
    if when.get("dateTime"):
        return parse_time(when["dateTime"], name)
    if when.get("date"):
        try:
            day = datetime.date.fromisoformat(when["date"])
        except ValueError:
            raise GoogleError(400, f"Bad Request: invalid {name} date", "badRequest") from None
        return datetime.datetime(day.year, day.month, day.day, tzinfo=UTC)
    raise GoogleError(400, f"Missing {name} time.", "required")


def stamp(moment):
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def google_time(moment):
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _now():
    return datetime.datetime.now(UTC)


def merge_patch(target, body, attendees):
    """Merge an events.patch body into ``target`` (nested objects merge, arrays and values replace; null removes)."""
    for key, value in body.items():
        if key in recurrence.IMMUTABLE:
            continue
        if key == "attendees":
            target["attendees"] = attendees(value)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            merged = dict(target[key])
            for inner_key, inner_value in value.items():
                if isinstance(inner_value, dict) and isinstance(merged.get(inner_key), dict):
                    merged[inner_key] = {**merged[inner_key], **inner_value}
                else:
                    merged[inner_key] = inner_value
            target[key] = merged
        elif value is None:
            target.pop(key, None)
        else:
            target[key] = value


def check_times(event):
    start, end = event_time(event.get("start"), "start"), event_time(event.get("end"), "end")
    if end < start:
        raise GoogleError(400, "The specified time range is empty.", "timeRangeEmpty")
    if ("date" in event["start"]) != ("date" in event["end"]):
        raise GoogleError(400, "The start and end times must either both be date or both be dateTime.", "invalid")


@dataclass
class FakeCalendar:
    """One calendar: events by id (series, single events), and a change counter behind sync tokens."""

    id: str
    state: "CalendarState"
    summary: str = ""
    owner: str = ""  # the account that owns the calendar's data (what calendar.events.owned covers)
    time_zone: str = "UTC"
    acl: dict = field(default_factory=dict)  # account address (lower) -> role
    events: dict = field(default_factory=dict)  # id -> resource (with private "_changed", "_exceptions")
    token_epoch: int = 0  # sync tokens from an older epoch answer 410
    last_change: int = 0  # the latest change to any of its events (a list's snapshot)

    @property
    def address(self):
        return self.id

    def role_of(self, account):
        return self.acl.get(account.lower())

    def _new_id(self):
        n = next(self.state.event_numbers)  # ids differ between calendars, as Google's do
        digits = []
        while True:
            n, r = divmod(n, 32)
            digits.append(BASE32HEX[r])
            if n == 0:
                break
        return "tb" + "".join(reversed(digits)).rjust(24, "0")

    def _touch(self, event):
        event["_changed"] = self.last_change = self.state.next_change()
        event["etag"] = recurrence.etag_of(event["_changed"])
        event["updated"] = stamp(_now())
        return event

    def _attendees(self, attendees):
        out = []
        for attendee in attendees or []:
            if isinstance(attendee, str):
                attendee = {"email": attendee}
            if not isinstance(attendee, dict) or not attendee.get("email"):
                raise GoogleError(400, "Invalid attendee email.", "invalid")
            entry = {"email": attendee["email"], "responseStatus": attendee.get("responseStatus", "needsAction")}
            for key in ("displayName", "optional", "resource", "organizer", "comment"):
                if key in attendee:
                    entry[key] = attendee[key]
            if attendee["email"].lower() == self.id.lower():
                entry["self"] = True
            out.append(entry)
        return out

    def create(self, body, event_id=None, creator=None):
        """Create an event (a series when ``recurrence`` is set) from an events.insert body; return the stored resource."""
        check_times(body)
        if body.get("recurrence") is not None:
            recurrence.check_series(body)
        event_id = event_id or body.get("id") or self._new_id()
        if event_id in self.events:
            raise GoogleError(409, "The requested identifier already exists.", "duplicate")
        now = stamp(_now())
        organizer = {"email": self.id, "self": True}
        if self.summary and self.id != self.owner:
            organizer["displayName"] = self.summary
        event = {
            "kind": "calendar#event",
            "id": event_id,
            "status": body.get("status") or "confirmed",
            "htmlLink": f"https://www.google.com/calendar/event?eid={token(event_id + ' ' + self.id)}",
            "created": now,
            "summary": body.get("summary", ""),
            "creator": {"email": creator or self.owner or self.id, **({"self": True} if (creator or self.owner or self.id) == self.id else {})},
            "organizer": organizer,
            "start": dict(body["start"]),
            "end": dict(body["end"]),
            "iCalUID": f"{event_id}@google.com",
            "sequence": 0,
            "reminders": {"useDefault": True},
            "eventType": "default",
        }
        for key in ("description", "location", "colorId", "transparency", "extendedProperties", "recurrence", "visibility"):
            if body.get(key) is not None:
                event[key] = copy.deepcopy(body[key])
        if body.get("attendees"):
            event["attendees"] = self._attendees(body["attendees"])
        self.events[event_id] = self._touch(event)
        return event

    # -- finding events and instances ------------------------------------------
    def horizon(self):
        return _now() + datetime.timedelta(days=recurrence.HORIZON_DAYS)

    def find(self, event_id):
        """(series or event, instance or None) for an event id or an instance id; None when there is none."""
        event = self.events.get(event_id)
        if event is not None:
            return event, None
        series_id, _, suffix = event_id.rpartition("_")
        series = self.events.get(series_id)
        if series is None or not suffix or not recurrence.is_series(series):
            return None
        instance = recurrence.find_instance(series, event_id, self.horizon())
        return (series, instance) if instance is not None else None

    def resources(self, single_events):
        """What events.list chooses from: single events and series, or with ``single_events`` single events and instances."""
        horizon = self.horizon()
        out = []
        for event in self.events.values():
            if not recurrence.is_series(event):
                out.append(event)
            elif single_events:
                out.extend(recurrence.instances(event, horizon))
            else:
                out.append(event)
                out.extend(recurrence.exceptions(event, horizon))
        return out

    # -- changes (API and user alike) ------------------------------------------
    def apply_patch(self, event, body):
        """Merge a patch into an event or a series (every instance changes with it)."""
        times_before = (event["start"], event["end"])
        merge_patch(event, body, self._attendees)
        check_times(event)
        if (event["start"], event["end"]) != times_before:
            event["sequence"] += 1
        return self._touch(event)

    def patch_instance(self, series, instance, body):
        """Change one occurrence: the changed fields become (or extend) its exception; return the instance now."""
        exceptions = series.setdefault("_exceptions", {})
        exception = exceptions.get(instance["id"]) or {"fields": {}, "sequence": instance.get("sequence", 0)}
        merged = {k: copy.deepcopy(v) for k, v in instance.items() if not k.startswith("_")}
        merge_patch(merged, body, self._attendees)
        check_times(merged)
        for key in body:
            if key in recurrence.IMMUTABLE:
                continue
            if key in merged:
                exception["fields"][key] = merged[key]
            else:
                exception["fields"][key] = None
        exception["fields"] = {k: v for k, v in exception["fields"].items() if v is not None}
        if (merged["start"], merged["end"]) != (instance["start"], instance["end"]):
            exception["sequence"] += 1
        exception["_changed"] = self.last_change = self.state.next_change()
        exception["updated"] = stamp(_now())
        exceptions[instance["id"]] = exception
        return recurrence.find_instance(series, instance["id"], self.horizon())

    def delete(self, event_id):
        """Delete an event, a series or one occurrence (Gone when already deleted)."""
        found = self.find(event_id)
        if found is None:
            raise GoogleError(404, "Not Found", "notFound")
        series, instance = found
        current = instance or series
        if current["status"] == "cancelled":
            raise GoogleError(410, "Resource has been deleted", "deleted")
        if instance is not None:
            self.patch_instance(series, instance, {"status": "cancelled"})
        else:
            series["status"] = "cancelled"
            self._touch(series)

    # -- what the user does in Google Calendar --------------------------------
    def _body(self, summary, start, end, color_id, attendees, extra, time_zone=None):
        def when(moment):
            if isinstance(moment, datetime.date) and not isinstance(moment, datetime.datetime):
                return {"date": moment.isoformat()}
            out = {"dateTime": google_time(moment) if time_zone is None else moment.astimezone(recurrence._zone(time_zone)).isoformat()}
            if time_zone is not None:
                out["timeZone"] = time_zone
            return out

        body = {"summary": summary, "start": when(start), "end": when(end), **extra}
        if color_id is not None:
            body["colorId"] = color_id
        if attendees:
            body["attendees"] = list(attendees)
        return body

    def add_event(self, summary, start, end, color_id=None, attendees=(), description=None, location=None, transparency=None, **extra):
        """Add an event as the user would; ``start``/``end`` are aware datetimes (or dates: an all-day event)."""
        for key, value in (("description", description), ("location", location), ("transparency", transparency)):
            if value is not None:
                extra[key] = value
        with self.state.lock:
            return dict(self.create(self._body(summary, start, end, color_id, attendees, extra)))

    def add_all_day(self, summary, first_day, days=1, color_id=None, attendees=(), **extra):
        """Add an all-day event over ``days`` days from ``first_day`` (Google's end date is exclusive)."""
        return self.add_event(summary, first_day, first_day + datetime.timedelta(days=days), color_id=color_id, attendees=attendees, **extra)

    def add_series(self, summary, start, end, rule, color_id=None, attendees=(), time_zone="UTC", **extra):
        """Add a recurring event: ``rule`` is one RFC 5545 line or a list (``"RRULE:FREQ=WEEKLY;COUNT=4"``).

        ``start``/``end`` are the first occurrence's (aware datetimes in ``time_zone``, or dates for an all-day series).
        """
        lines = [rule] if isinstance(rule, str) else list(rule)
        all_day = not isinstance(start, datetime.datetime)
        with self.state.lock:
            body = self._body(summary, start, end, color_id, attendees, {**extra, "recurrence": lines}, None if all_day else time_zone)
            return dict(self.create(body))

    def instance_id(self, series_id, original_start):
        """The id Google gives the occurrence of ``series_id`` that starts (or started) at ``original_start``."""
        all_day = not isinstance(original_start, datetime.datetime)
        return recurrence.instance_id(series_id, original_start, all_day)

    def instance(self, series_id, original_start):
        """One occurrence as Google answers it (exceptions applied)."""
        with self.state.lock:
            return self.find(self.instance_id(series_id, original_start))[1]

    def edit_occurrence(self, series_id, original_start, **changes):
        """Change one occurrence only (``start``/``end`` may be datetimes); return the instance."""
        with self.state.lock:
            series, instance = self.find(self.instance_id(series_id, original_start))
            return self.patch_instance(series, instance, self._changes(changes))

    def move_occurrence(self, series_id, original_start, start, end, **changes):
        """Move one occurrence to another time (it keeps its id and ``originalStartTime``)."""
        return self.edit_occurrence(series_id, original_start, start=start, end=end, **changes)

    def cancel_occurrence(self, series_id, original_start):
        """Delete one occurrence as the user would ("this event" only)."""
        with self.state.lock:
            self.delete(self.instance_id(series_id, original_start))

    def _changes(self, changes):
        body = {}
        for key, value in changes.items():
            if key in ("start", "end") and isinstance(value, datetime.datetime):
                value = {"dateTime": google_time(value)}
            body[key] = value
        return body

    def edit_event(self, event_id, **changes):
        """Change an event, or a whole series, as the user would (``start``/``end`` may be datetimes); return it."""
        with self.state.lock:
            return dict(self.apply_patch(self.events[event_id], self._changes(changes)))

    def cancel_event(self, event_id):
        """Delete an event, or a whole series, as the user would (it stays, cancelled, for sync)."""
        with self.state.lock:
            self.delete(event_id)

    def respond(self, event_id, address, response):
        """An attendee answers (``accepted``, ``declined``, ``tentative``): an event, a whole series, or one occurrence's id."""
        with self.state.lock:
            series, instance = self.find(event_id)
            target = instance or series
            attendees = [dict(a) for a in target.get("attendees") or []]
            for attendee in attendees:
                if attendee["email"].lower() == address.lower():
                    attendee["responseStatus"] = response
            if instance is not None:
                return self.patch_instance(series, instance, {"attendees": attendees})
            return dict(self.apply_patch(series, {"attendees": attendees}))

    def blueberry(self):
        return [e for e in self.events.values() if e.get("colorId") == "9"]


@dataclass
class Account:
    """One Google account's calendar list: calendar id (lower) -> entry fields and a change counter."""

    address: str
    entries: dict = field(default_factory=dict)
    token_epoch: int = 0


class CalendarState(InjectedFailures):
    """Calendars, accounts' calendar lists, tokens, injected failures and a call log, shared with the test."""

    def __init__(self):
        self.lock = threading.RLock()
        self.calendars = {}  # calendar id (lower) -> FakeCalendar
        self.accounts = {}  # address (lower) -> Account
        self.grants = {}
        self.failures = []
        self.calls = []  # (method, path, query string)
        self.account_calls = []  # (account of the token or None, method, path)
        self.send_updates = []  # (method, event id, sendUpdates) for writes
        self._changes = itertools.count(1)
        self._shared = itertools.count(1)
        self.event_numbers = itertools.count(1)

    def reset(self):
        self.__init__()

    def next_change(self):
        return next(self._changes)

    def _subscribe(self, address, calendar, role, **entry):
        account = self.accounts.setdefault(address.lower(), Account(address.lower()))
        calendar.acl[address.lower()] = role
        account.entries[calendar.id.lower()] = {"accessRole": role, "_changed": self.next_change(), **entry}

    def add_calendar(self, address):
        """Give an account (``address``) its primary calendar; return it."""
        calendar = self.calendars[address.lower()] = FakeCalendar(address, self, summary=address, owner=address.lower())
        self._subscribe(address, calendar, "owner", primary=True, selected=True, colorId="14")
        return calendar

    def add_shared_calendar(self, summary, members, owner=None, calendar_id=None):
        """A secondary calendar (a team's) shared with ``members`` ({address: role}); on each member's calendar list."""
        with self.lock:
            calendar_id = calendar_id or f"c_{next(self._shared):040x}@group.calendar.google.com"
            calendar = self.calendars[calendar_id.lower()] = FakeCalendar(calendar_id, self, summary=summary, owner=(owner or calendar_id).lower())
            for address, role in members.items():
                self._subscribe(address, calendar, role, colorId="9", selected=True)
            return calendar

    def share(self, calendar, address, role="reader", subscribe=True):
        """Give ``address`` access to ``calendar`` (and put it on their calendar list unless ``subscribe`` is False)."""
        with self.lock:
            calendar.acl[address.lower()] = role
            if subscribe:
                self._subscribe(address, calendar, role, colorId="9")

    def unshare(self, calendar, address):
        """Take ``address``'s access away: the calendar leaves their list, and its events answer 404."""
        with self.lock:
            calendar.acl.pop(address.lower(), None)
            entry = self.accounts[address.lower()].entries.get(calendar.id.lower())
            if entry is not None:
                entry.update(deleted=True, _changed=self.next_change())

    def calendar(self, calendar_id):
        return self.calendars[calendar_id.lower()]

    def grant(self, token_value, address, scopes=("calendar.events", "calendar.freebusy")):
        """Let ``token_value`` act for ``address`` with ``scopes`` (short or full names)."""
        if address.lower() not in self.calendars:
            self.add_calendar(address)
        self.grants[token_value] = Grant(address.lower(), frozenset(scope(s) for s in scopes))

    def expire(self, token_value):
        self.grants[token_value].expired = True

    def expire_sync_tokens(self, calendar_id):
        """Make every sync token issued so far for the calendar answer 410, as Google does now and then."""
        self.calendar(calendar_id).token_epoch += 1

    def calls_to(self, method, fragment=""):
        return [path for m, path, _ in self.calls if m == method and fragment in path]

    def calls_for(self, account):
        """Every call made with a token of ``account``'s."""
        return [(m, path) for who, m, path in self.account_calls if who == account.lower()]
