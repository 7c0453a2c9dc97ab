"""A fake Google Calendar REST API (v3) for tests: a Flask app over an in-memory state.

It answers the paths google-api-python-client builds from ``GOOGLE_API_ROOT``
(``<root>calendar/v3/calendars/{calendarId}/events...`` and
``<root>calendar/v3/freeBusy``) in Google's JSON shapes, errors included
(``{"error": {"code", "message", "errors": [...], "status"}}``):

- ``events.list`` with ``singleEvents``, ``timeMin``/``timeMax``,
  ``privateExtendedProperty``, ``showDeleted``, ``maxResults`` and
  ``pageToken``; the last page carries ``nextSyncToken``. With ``syncToken``
  it lists only what changed since (deleted events as ``status: cancelled``),
  refuses filters Google refuses beside a sync token (400), and answers
  ``410 fullSyncRequired`` once the test calls ``expire_sync_tokens``;
- ``events.get``, ``events.insert``, ``events.patch`` (``If-Match`` → 412
  when the etag changed) and ``events.delete`` (404 unknown, 410 already
  deleted), each bumping ``etag``, ``updated`` and ``sequence`` as Google does;
- ``freebusy.query``: merged busy intervals of confirmed, opaque events.

A test plays the user in Google Calendar with ``add_event``, ``edit_event``
and ``cancel_event``. ``serve_google_apis`` serves this fake and the fake
Gmail under one root, as ``GOOGLE_API_ROOT`` is one setting for both.

    state = CalendarState()
    cal = state.add_calendar("rep@acme.example")
    state.grant("token-1", "rep@acme.example")
    cal.add_event("Demo", start, end, color_id="9", attendees=["ada@ext.example"])
"""

import base64
import datetime
import functools
import itertools
import threading
from dataclasses import dataclass, field

from flask import Flask, jsonify, request

from .google_common import Failure, GoogleError, Grant, answer_errors_as_google, authorised_grant, insufficient_scope, not_found, scope, token_account

CALENDAR = "https://www.googleapis.com/auth/calendar"
EVENTS = CALENDAR + ".events"
READ_SCOPES = {CALENDAR, EVENTS, CALENDAR + ".readonly", EVENTS + ".readonly", EVENTS + ".owned"}
WRITE_SCOPES = {CALENDAR, EVENTS, EVENTS + ".owned"}
FREEBUSY_SCOPES = {CALENDAR, CALENDAR + ".readonly", CALENDAR + ".freebusy", EVENTS + ".freebusy"}
# Google refuses these beside a sync token (they would change what "changed since" means).
NOT_WITH_SYNC_TOKEN = ("timeMin", "timeMax", "privateExtendedProperty", "sharedExtendedProperty", "q", "orderBy", "updatedMin", "iCalUID")
BASE32HEX = "0123456789abcdefghijklmnopqrstuv"


def _token(text):
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _untoken(value, kind):
    try:
        text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        text = ""
    prefix, _, rest = text.partition(":")
    if prefix != kind:
        raise GoogleError(400, f"Invalid {'sync' if kind == 's' else 'page'} token value.", "invalid")
    return rest


def _parse_time(value, name="time"):
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        raise GoogleError(400, f"Bad Request: invalid {name} '{value}'", "badRequest") from None
    if parsed.tzinfo is None:
        raise GoogleError(400, f"Bad Request: {name} needs a time zone offset", "badRequest")
    return parsed.astimezone(datetime.UTC)


def _event_time(when, name):
    """Return the UTC instant of an event's start or end ({dateTime} or all-day {date})."""
    if not isinstance(when, dict):
        raise GoogleError(400, f"Missing {name} time.", "required")
    if when.get("dateTime"):
        return _parse_time(when["dateTime"], name)
    if when.get("date"):
        day = datetime.date.fromisoformat(when["date"])
        return datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.UTC)
    raise GoogleError(400, f"Missing {name} time.", "required")


def _stamp(moment):
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _google_time(moment):
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class FakeCalendar:
    """One user's primary calendar: events by id, and a change counter behind sync tokens."""

    address: str
    state: "CalendarState"
    events: dict = field(default_factory=dict)  # id -> resource (with private "_changed")
    token_epoch: int = 0  # sync tokens from an older epoch answer 410
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def _new_id(self):
        n = next(self._ids)
        digits = []
        while True:
            n, r = divmod(n, 32)
            digits.append(BASE32HEX[r])
            if n == 0:
                break
        return "tb" + "".join(reversed(digits)).rjust(24, "0")

    def _touch(self, event):
        event["_changed"] = self.state.next_change()
        event["etag"] = f'"{3400000000000000 + event["_changed"]}"'
        event["updated"] = _stamp(datetime.datetime.now(datetime.UTC))
        return event

    def _attendees(self, attendees):
        out = []
        for attendee in attendees or []:
            if isinstance(attendee, str):
                attendee = {"email": attendee}
            if not isinstance(attendee, dict) or not attendee.get("email"):
                raise GoogleError(400, "Invalid attendee email.", "invalid")
            entry = {"email": attendee["email"], "responseStatus": attendee.get("responseStatus", "needsAction")}
            for key in ("displayName", "optional", "resource", "organizer"):
                if key in attendee:
                    entry[key] = attendee[key]
            if attendee["email"].lower() == self.address.lower():
                entry["self"] = True
            out.append(entry)
        return out

    def create(self, body, event_id=None):
        """Create an event from an events.insert body; return the stored resource."""
        start, end = _event_time(body.get("start"), "start"), _event_time(body.get("end"), "end")
        if end < start:
            raise GoogleError(400, "The specified time range is empty.", "timeRangeEmpty")
        event_id = event_id or body.get("id") or self._new_id()
        if event_id in self.events:
            raise GoogleError(409, "The requested identifier already exists.", "duplicate")
        now = _stamp(datetime.datetime.now(datetime.UTC))
        event = {
            "kind": "calendar#event",
            "id": event_id,
            "status": body.get("status") or "confirmed",
            "htmlLink": f"https://www.google.com/calendar/event?eid={_token(event_id + ' ' + self.address)}",
            "created": now,
            "summary": body.get("summary", ""),
            "creator": {"email": self.address, "self": True},
            "organizer": {"email": self.address, "self": True},
            "start": dict(body["start"]),
            "end": dict(body["end"]),
            "iCalUID": f"{event_id}@google.com",
            "sequence": 0,
            "reminders": {"useDefault": True},
            "eventType": "default",
        }
        for key in ("description", "location", "colorId", "transparency", "extendedProperties", "recurringEventId"):
            if body.get(key) is not None:
                event[key] = body[key]
        if body.get("attendees"):
            event["attendees"] = self._attendees(body["attendees"])
        self.events[event_id] = self._touch(event)
        return event

    # -- what the user does in Google Calendar --------------------------------
    def add_event(self, summary, start, end, color_id=None, attendees=(), description=None, location=None, transparency=None, **extra):
        """Add an event as the user would in Google Calendar; ``start``/``end`` are aware datetimes."""
        body = {"summary": summary, "start": {"dateTime": _google_time(start)}, "end": {"dateTime": _google_time(end)}, **extra}
        for key, value in (("colorId", color_id), ("description", description), ("location", location), ("transparency", transparency)):
            if value is not None:
                body[key] = value
        if attendees:
            body["attendees"] = list(attendees)
        with self.state.lock:
            return dict(self.create(body))

    def edit_event(self, event_id, **changes):
        """Change an event as the user would (``start``/``end`` may be datetimes); return it."""
        with self.state.lock:
            body = {}
            for key, value in changes.items():
                if key in ("start", "end") and isinstance(value, datetime.datetime):
                    value = {"dateTime": _google_time(value)}
                body[key] = value
            return dict(self.apply_patch(self.events[event_id], body))

    def cancel_event(self, event_id):
        """Delete an event as the user would (it stays, cancelled, for sync)."""
        with self.state.lock:
            self.events[event_id]["status"] = "cancelled"
            self._touch(self.events[event_id])

    def apply_patch(self, event, body):
        """Merge a patch into an event (nested objects merge, arrays and values replace)."""
        times_before = (event["start"], event["end"])
        for key, value in body.items():
            if key in ("id", "kind", "etag", "created", "updated", "iCalUID", "htmlLink", "organizer", "creator"):
                continue
            if key == "attendees":
                event["attendees"] = self._attendees(value)
            elif isinstance(value, dict) and isinstance(event.get(key), dict):
                merged = dict(event[key])
                for inner_key, inner_value in value.items():
                    if isinstance(inner_value, dict) and isinstance(merged.get(inner_key), dict):
                        merged[inner_key] = {**merged[inner_key], **inner_value}
                    else:
                        merged[inner_key] = inner_value
                event[key] = merged
            elif value is None:
                event.pop(key, None)
            else:
                event[key] = value
        start, end = _event_time(event["start"], "start"), _event_time(event["end"], "end")
        if end < start:
            raise GoogleError(400, "The specified time range is empty.", "timeRangeEmpty")
        if (event["start"], event["end"]) != times_before:
            event["sequence"] += 1
        return self._touch(event)

    def blueberry(self):
        return [e for e in self.events.values() if e.get("colorId") == "9"]


def public(event):
    """The event as Google answers it: private bookkeeping removed, deleted events minimal."""
    if event["status"] == "cancelled":
        return {"kind": "calendar#event", "etag": event["etag"], "id": event["id"], "status": "cancelled", "updated": event["updated"]}
    return {k: v for k, v in event.items() if not k.startswith("_")}


class CalendarState:
    """Calendars, tokens, injected failures and a call log, shared with the test."""

    def __init__(self):
        self.lock = threading.RLock()
        self.calendars = {}
        self.grants = {}
        self.failures = []
        self.calls = []  # (method, path, query string)
        self.account_calls = []  # (account of the token or None, method, path)
        self.send_updates = []  # (method, event id, sendUpdates) for writes
        self._changes = itertools.count(1)

    def reset(self):
        self.__init__()

    def next_change(self):
        return next(self._changes)

    def add_calendar(self, address):
        calendar = self.calendars[address.lower()] = FakeCalendar(address, self)
        return calendar

    def calendar(self, address):
        return self.calendars[address.lower()]

    def grant(self, token, address, scopes=("calendar.events", "calendar.freebusy")):
        """Let ``token`` act on ``address``'s calendar with ``scopes`` (short or full names)."""
        if address.lower() not in self.calendars:
            self.add_calendar(address)
        self.grants[token] = Grant(address.lower(), frozenset(scope(s) for s in scopes))

    def expire(self, token):
        self.grants[token].expired = True

    def expire_sync_tokens(self, address):
        """Make every sync token issued so far for ``address`` answer 410, as Google does now and then."""
        self.calendar(address).token_epoch += 1

    def fail(self, error, times=1, method=None, path_contains=None):
        self.failures.append(Failure(error, times, method, path_contains))

    def calls_to(self, method, fragment=""):
        return [path for m, path, _ in self.calls if m == method and fragment in path]

    def calls_for(self, account):
        """Every call made with a token of ``account``'s."""
        return [(m, path) for who, m, path in self.account_calls if who == account.lower()]

    def _injected(self, method, path):
        with self.lock:
            for failure in self.failures:
                if failure.times > 0 and failure.matches(method, path):
                    failure.times -= 1
                    return failure.error
        return None


def _page_size():
    try:
        value = int(request.args.get("maxResults", 250))
    except ValueError:
        raise GoogleError(400, "Invalid value for maxResults", "invalid") from None
    return max(1, min(value, 2500))


def _overlaps(event, lower, upper):
    start, end = _event_time(event["start"], "start"), _event_time(event["end"], "end")
    return (lower is None or end > lower) and (upper is None or start < upper)


def _private_match(event, wanted):
    name, _, value = wanted.partition("=")
    return ((event.get("extendedProperties") or {}).get("private") or {}).get(name) == value


def create_app(state):
    """Return the fake Calendar API as a Flask app serving ``state``."""
    app = Flask(__name__)
    answer_errors_as_google(app)

    def route(rule, methods=("GET",), needs=READ_SCOPES):
        """Register a Calendar endpoint that checks the token, the calendar id and the scope first."""

        def decorator(view):
            @functools.wraps(view)
            def wrapper(**kwargs):
                with state.lock:
                    state.calls.append((request.method, request.path, request.query_string.decode()))
                    state.account_calls.append((token_account(state), request.method, request.path))
                grant = authorised_grant(state)
                if not grant.scopes & needs:
                    raise insufficient_scope("calendar-json.googleapis.com", f"calendar.v3.{view.__name__}")
                calendar_id = kwargs.pop("calendar_id", None)
                if calendar_id is not None and calendar_id.lower() not in ("primary", grant.mailbox):
                    raise not_found()
                with state.lock:
                    return view(state.calendars[grant.mailbox], **kwargs)

            app.add_url_rule("/calendar/v3" + rule, view.__name__, wrapper, methods=list(methods))
            return wrapper

        return decorator

    @route("/calendars/<calendar_id>/events")
    def events_list(calendar):
        args = request.args
        sync_token = args.get("syncToken")
        size = _page_size()
        page_token = args.get("pageToken")
        if page_token:
            offset, _, snapshot = _untoken(page_token, "p").partition(":")
            offset, snapshot = int(offset), int(snapshot)
        else:
            offset, snapshot = 0, None
        if sync_token:
            clashing = [name for name in NOT_WITH_SYNC_TOKEN if name in args]
            if clashing:
                raise GoogleError(400, f"Sync token cannot be combined with {clashing[0]}.", "invalid")
            epoch, _, since = _untoken(sync_token, "s").partition(":")
            if int(epoch) != calendar.token_epoch:
                raise GoogleError(410, "Sync token is no longer valid, a full sync is required.", "fullSyncRequired", domain="calendar")
            since = int(since)
            selected = [e for e in calendar.events.values() if e["_changed"] > since]
            selected.sort(key=lambda e: (e["_changed"], e["id"]))
        else:
            lower = _parse_time(args["timeMin"], "timeMin") if "timeMin" in args else None
            upper = _parse_time(args["timeMax"], "timeMax") if "timeMax" in args else None
            show_deleted = args.get("showDeleted", "false") == "true"
            wanted = args.getlist("privateExtendedProperty")
            selected = [
                e
                for e in calendar.events.values()
                if (show_deleted or e["status"] != "cancelled") and _overlaps(e, lower, upper) and all(_private_match(e, w) for w in wanted)
            ]
            selected.sort(key=lambda e: e["id"])
        if snapshot is None:
            snapshot = max((e["_changed"] for e in calendar.events.values()), default=0)
        page = selected[offset : offset + size]
        body = {
            "kind": "calendar#events",
            "etag": f'"p{snapshot}"',
            "summary": calendar.address,
            "updated": _stamp(datetime.datetime.now(datetime.UTC)),
            "timeZone": "UTC",
            "accessRole": "owner",
            "defaultReminders": [{"method": "popup", "minutes": 10}],
            "items": [public(e) for e in page],
        }
        if offset + size < len(selected):
            body["nextPageToken"] = _token(f"p:{offset + size}:{snapshot}")
        else:
            body["nextSyncToken"] = _token(f"s:{calendar.token_epoch}:{snapshot}")
        return jsonify(body)

    def _event(calendar, event_id):
        event = calendar.events.get(event_id)
        if event is None:
            raise not_found()
        return event

    def _json_body():
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise GoogleError(400, "Parse Error", "parseError")
        return body

    def _send_updates(event_id):
        value = request.args.get("sendUpdates")
        if value is not None and value not in ("all", "externalOnly", "none"):
            raise GoogleError(400, f"Invalid value for sendUpdates: {value}", "invalid")
        state.send_updates.append((request.method, event_id, value))

    @route("/calendars/<calendar_id>/events/<event_id>")
    def events_get(calendar, event_id):
        return jsonify(public(_event(calendar, event_id)))

    @route("/calendars/<calendar_id>/events", methods=("POST",), needs=WRITE_SCOPES)
    def events_insert(calendar):
        event = calendar.create(_json_body())
        _send_updates(event["id"])
        return jsonify(public(event))

    @route("/calendars/<calendar_id>/events/<event_id>", methods=("PATCH",), needs=WRITE_SCOPES)
    def events_patch(calendar, event_id):
        event = _event(calendar, event_id)
        if_match = request.headers.get("If-Match")
        if if_match and if_match != event["etag"]:
            raise GoogleError(412, "Precondition Failed", "conditionNotMet", location="If-Match", locationType="header")
        body = _json_body()
        if event["status"] == "cancelled" and body.get("status") != "confirmed":
            raise GoogleError(410, "Resource has been deleted", "deleted")
        calendar.apply_patch(event, body)
        _send_updates(event_id)
        return jsonify(public(event))

    @route("/calendars/<calendar_id>/events/<event_id>", methods=("DELETE",), needs=WRITE_SCOPES)
    def events_delete(calendar, event_id):
        event = _event(calendar, event_id)
        if event["status"] == "cancelled":
            raise GoogleError(410, "Resource has been deleted", "deleted")
        event["status"] = "cancelled"
        calendar._touch(event)
        _send_updates(event_id)
        return "", 204

    @route("/freeBusy", methods=("POST",), needs=FREEBUSY_SCOPES)
    def freebusy_query(calendar):
        body = _json_body()
        if "timeMin" not in body or "timeMax" not in body:
            raise GoogleError(400, "Missing timeMin or timeMax.", "required")
        lower, upper = _parse_time(body["timeMin"], "timeMin"), _parse_time(body["timeMax"], "timeMax")
        if upper <= lower:
            raise GoogleError(400, "The specified time range is empty.", "timeRangeEmpty")
        calendars = {}
        for item in body.get("items") or []:
            calendar_id = item.get("id")
            if calendar_id not in ("primary", calendar.address, calendar.address.lower()):
                calendars[calendar_id] = {"errors": [{"domain": "global", "reason": "notFound"}], "busy": []}
                continue
            intervals = sorted(
                (max(_event_time(e["start"], "start"), lower), min(_event_time(e["end"], "end"), upper))
                for e in calendar.events.values()
                if e["status"] == "confirmed" and e.get("transparency") != "transparent" and _overlaps(e, lower, upper)
            )
            merged = []
            for start, end in intervals:
                if merged and start <= merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], end)
                else:
                    merged.append([start, end])
            calendars[calendar_id] = {"busy": [{"start": _google_time(s), "end": _google_time(e)} for s, e in merged]}
        return jsonify(kind="calendar#freeBusy", timeMin=_google_time(lower), timeMax=_google_time(upper), calendars=calendars)

    return app


class PathDispatcher:
    """Route WSGI requests by path prefix: ``/calendar/`` to one app, everything else to the default."""

    def __init__(self, default, **prefixed):
        self.default = default
        self.prefixed = {"/" + prefix.strip("/") + "/": app for prefix, app in prefixed.items()}

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        for prefix, app in self.prefixed.items():
            if path.startswith(prefix):
                return app(environ, start_response)
        return self.default(environ, start_response)


def combined_app(gmail_state, calendar_state):
    """One WSGI app serving the fake Gmail and the fake Calendar under one root."""
    from .gmail import create_app as gmail_app

    return PathDispatcher(gmail_app(gmail_state), calendar=create_app(calendar_state))
