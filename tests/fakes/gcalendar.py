"""A fake Google Calendar REST API (v3) for tests: a Flask app over an in-memory state (gcalendar_store.py).

It answers the paths google-api-python-client builds from ``GOOGLE_API_ROOT``
(``<root>calendar/v3/calendars/{calendarId}/events...``,
``<root>calendar/v3/users/me/calendarList`` and ``<root>calendar/v3/freeBusy``)
in Google's JSON shapes, errors included
(``{"error": {"code", "message", "errors": [...], "status"}}``):

- ``events.list`` with ``singleEvents`` (a recurring series comes as its
  instances, each with ``recurringEventId`` and ``originalStartTime``;
  without it, as the series with ``recurrence`` plus its exceptions),
  ``timeMin``/``timeMax``, ``orderBy=startTime``, ``privateExtendedProperty``,
  ``showDeleted``, ``maxResults`` and ``pageToken``; the last page carries
  ``nextSyncToken``. With ``syncToken`` it lists only what changed since:
  deleted events and cancelled occurrences in Google's short form, every
  instance of a series that changed as a whole. It refuses filters Google
  refuses beside a sync token (400), and answers ``410 fullSyncRequired``
  once the test calls ``expire_sync_tokens``;
- ``events.get``, ``events.instances``, ``events.insert``, ``events.patch``
  (``If-Match`` → 412 when the etag changed) and ``events.delete`` (404
  unknown, 410 already deleted), on events, series and single occurrences
  (an occurrence changed or deleted becomes an exception of its series), each
  bumping ``etag``, ``updated`` and ``sequence`` as Google does;
- ``calendarList.list`` (the token's account's calendars, ``minAccessRole``,
  ``showHidden``, ``showDeleted``, paging, ``syncToken``);
- ``freebusy.query``: merged busy intervals of confirmed, opaque events and instances.

Every call checks the scope the method needs (a token with only
``calendar.calendarlist.readonly`` lists calendars but reads no event; one with
only ``calendar.events`` reads events but not the list), and the calendar:
one the account cannot see answers 404, a write where it may only read 403
``requiredAccessLevel``, and ``calendar.events.owned`` covers only calendars
the account owns.

A test plays the user in Google Calendar through ``FakeCalendar``'s methods.
``serve_google_apis`` serves this fake and the fake Gmail under one root, as
``GOOGLE_API_ROOT`` is one setting for both.

    state = CalendarState()
    cal = state.add_calendar("rep@acme.example")
    state.grant("token-1", "rep@acme.example")
    cal.add_event("Demo", start, end, color_id="9", attendees=["ada@ext.example"])
    team = state.add_shared_calendar("Sales team", {"rep@acme.example": "writer"})
    team.add_series("Pipeline review", start, end, "RRULE:FREQ=WEEKLY;COUNT=4", color_id="9")
"""

import base64
import datetime
import functools

from flask import Flask, g, jsonify, request

from . import gcalendar_recurrence as recurrence
from .gcalendar_store import LIST_COLOURS, ROLES, CalendarState, FakeCalendar, event_time, google_time, parse_time, stamp, token
from .google_common import GoogleError, answer_errors_as_google, authorised_grant, insufficient_scope, not_found, scope, token_account

__all__ = ["CalendarState", "FakeCalendar", "combined_app", "create_app"]

CALENDAR = "https://www.googleapis.com/auth/calendar"
EVENTS = CALENDAR + ".events"
OWNED = {EVENTS + ".owned", EVENTS + ".owned.readonly"}
READ_SCOPES = {CALENDAR, EVENTS, CALENDAR + ".readonly", EVENTS + ".readonly", *OWNED}
WRITE_SCOPES = {CALENDAR, EVENTS, EVENTS + ".owned"}
FREEBUSY_SCOPES = {CALENDAR, CALENDAR + ".readonly", CALENDAR + ".freebusy", EVENTS + ".freebusy"}
LIST_SCOPES = {CALENDAR, CALENDAR + ".readonly", scope("calendar.calendarlist"), scope("calendar.calendarlist.readonly")}
# Google refuses these beside a sync token (they would change what "changed since" means).
NOT_WITH_SYNC_TOKEN = ("timeMin", "timeMax", "privateExtendedProperty", "sharedExtendedProperty", "q", "orderBy", "updatedMin", "iCalUID")
UTC = datetime.UTC


def _untoken(value, kind):
    try:
        text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        text = ""
    prefix, _, rest = text.partition(":")
    if prefix != kind:
        raise GoogleError(400, f"Invalid {'sync' if kind in ('s', 'l') else 'page'} token value.", "invalid")
    return rest


def public(event):
    """The event as Google answers it: private bookkeeping removed, deleted events and occurrences in the short form."""
    if event["status"] == "cancelled":
        return recurrence.short_cancelled(event)
    return {k: v for k, v in event.items() if not k.startswith("_")}


def _page_size(default=250, largest=2500):
    try:
        value = int(request.args.get("maxResults", default))
    except ValueError:
        raise GoogleError(400, "Invalid value for maxResults", "invalid") from None
    return max(1, min(value, largest))


def _page_offset():
    page_token = request.args.get("pageToken")
    if not page_token:
        return 0, None
    offset, _, snapshot = _untoken(page_token, "p").partition(":")
    return int(offset), int(snapshot)


def _overlaps(event, lower, upper, horizon):
    if recurrence.is_series(event):  # a series (singleEvents=false) overlaps when one of its occurrences does
        return any(_overlaps(i, lower, upper, horizon) for i in recurrence.instances(event, horizon))
    start, end = event_time(event["start"], "start"), event_time(event["end"], "end")
    return (lower is None or end > lower) and (upper is None or start < upper)


def _private_match(event, wanted):
    name, _, value = wanted.partition("=")
    return ((event.get("extendedProperties") or {}).get("private") or {}).get(name) == value


def _page(selected, size, offset, snapshot, sync_prefix, epoch, extra):
    body = {**extra, "items": selected[offset : offset + size]}
    if offset + size < len(selected):
        body["nextPageToken"] = token(f"p:{offset + size}:{snapshot}")
    elif sync_prefix:  # events.instances has no sync token
        body["nextSyncToken"] = token(f"{sync_prefix}:{epoch}:{snapshot}")
    return jsonify(body)


def _changed_since(calendar, since, single_events):
    """What an incremental list holds: everything changed after ``since``, oldest change first."""
    deleted_series_until = datetime.datetime.now(UTC) + datetime.timedelta(days=recurrence.DELETED_SERIES_DAYS)
    selected = []
    for resource in calendar.resources(single_events):
        if resource["_changed"] <= since:
            continue
        if resource.get("_series_cancelled") and resource["_original_utc"] >= deleted_series_until:
            continue  # Google lists a deleted series' occurrences only so far ahead
        selected.append(resource)
    selected.sort(key=lambda e: (e["_changed"], e["id"]))
    return selected


def _in_window(calendar, args, single_events):
    lower = parse_time(args["timeMin"], "timeMin") if "timeMin" in args else None
    upper = parse_time(args["timeMax"], "timeMax") if "timeMax" in args else None
    if lower is not None and upper is not None and upper <= lower:
        raise GoogleError(400, "The specified time range is empty.", "timeRangeEmpty")
    show_deleted = args.get("showDeleted", "false") == "true"
    wanted = args.getlist("privateExtendedProperty")
    horizon = calendar.horizon()
    selected = []
    for event in calendar.resources(single_events):
        # Cancelled occurrences come beside their series when it is not expanded (Google's documented exception).
        visible = show_deleted or event["status"] != "cancelled" or (not single_events and event.get("recurringEventId"))
        if visible and _overlaps(event, lower, upper, horizon) and all(_private_match(event, w) for w in wanted):
            selected.append(event)
    if args.get("orderBy") == "startTime":
        if not single_events:
            raise GoogleError(400, "The requested ordering is not available for the particular query.", "invalid")
        selected.sort(key=lambda e: (event_time(e["start"], "start"), e["id"]))
    else:
        selected.sort(key=lambda e: e["id"])
    return selected


def create_app(state):
    """Return the fake Calendar API as a Flask app serving ``state``."""
    app = Flask(__name__)
    answer_errors_as_google(app)

    def open_calendar(grant, calendar_id, needs, role):
        calendar = state.calendars.get(grant.mailbox if calendar_id.lower() == "primary" else calendar_id.lower())
        held = calendar.role_of(grant.mailbox) if calendar is not None else None
        if held is None:
            raise not_found()
        if role and ROLES.index(held) < ROLES.index(role):
            raise GoogleError(403, f"You need to have {role} access to this calendar.", "requiredAccessLevel", domain="calendar")
        if not (grant.scopes & needs - OWNED) and calendar.owner != grant.mailbox:
            raise GoogleError(403, "Forbidden", "forbidden")  # calendar.events.owned: only calendars the account owns
        return calendar

    def route(rule, methods=("GET",), needs=READ_SCOPES, role="reader"):
        """Register a Calendar endpoint that checks the token, the scope and the calendar (id and access) first."""

        def decorator(view):
            @functools.wraps(view)
            def wrapper(**kwargs):
                with state.lock:
                    state.calls.append((request.method, request.path, request.query_string.decode()))
                    state.account_calls.append((token_account(state), request.method, request.path))
                grant = authorised_grant(state)
                if not grant.scopes & needs:
                    raise insufficient_scope("calendar-json.googleapis.com", f"calendar.v3.{view.__name__}")
                g.grant = grant
                with state.lock:
                    calendar_id = kwargs.pop("calendar_id", None)
                    if calendar_id is not None:
                        kwargs["calendar"] = open_calendar(grant, calendar_id, needs, role)
                    return view(**kwargs)

            app.add_url_rule("/calendar/v3" + rule, view.__name__, wrapper, methods=list(methods))
            return wrapper

        return decorator

    @route("/calendars/<calendar_id>/events")
    def events_list(calendar):
        args = request.args
        single_events = args.get("singleEvents", "false") == "true"
        offset, snapshot = _page_offset()
        sync_token = args.get("syncToken")
        if sync_token:
            clashing = [name for name in NOT_WITH_SYNC_TOKEN if name in args]
            if clashing:
                raise GoogleError(400, f"Sync token cannot be combined with {clashing[0]}.", "invalid")
            epoch, _, since = _untoken(sync_token, "s").partition(":")
            if int(epoch) != calendar.token_epoch:
                raise GoogleError(410, "Sync token is no longer valid, a full sync is required.", "fullSyncRequired", domain="calendar")
            selected = _changed_since(calendar, int(since), single_events)
        else:
            selected = _in_window(calendar, args, single_events)
        snapshot = calendar.last_change if snapshot is None else snapshot
        extra = {
            "kind": "calendar#events",
            "etag": f'"p{snapshot}"',
            "summary": calendar.summary or calendar.id,
            "updated": stamp(datetime.datetime.now(UTC)),
            "timeZone": calendar.time_zone,
            "accessRole": calendar.role_of(g.grant.mailbox),
            "defaultReminders": [{"method": "popup", "minutes": 10}],
        }
        return _page([public(e) for e in selected], _page_size(), offset, snapshot, "s", calendar.token_epoch, extra)

    def _found(calendar, event_id):
        found = calendar.find(event_id)
        if found is None:
            raise not_found()
        return found

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
        series, instance = _found(calendar, event_id)
        return jsonify(public(instance or series))

    @route("/calendars/<calendar_id>/events/<event_id>/instances")
    def events_instances(calendar, event_id):
        series, instance = _found(calendar, event_id)
        if instance is not None or not recurrence.is_series(series):
            raise GoogleError(400, "The requested event is not a recurring event.", "invalid")
        lower = parse_time(request.args["timeMin"], "timeMin") if "timeMin" in request.args else None
        upper = parse_time(request.args["timeMax"], "timeMax") if "timeMax" in request.args else None
        show_deleted = request.args.get("showDeleted", "false") == "true"
        horizon = calendar.horizon()
        selected = [i for i in recurrence.instances(series, horizon) if (show_deleted or i["status"] != "cancelled") and _overlaps(i, lower, upper, horizon)]
        offset, snapshot = _page_offset()
        snapshot = calendar.last_change if snapshot is None else snapshot
        extra = {"kind": "calendar#events", "etag": f'"p{snapshot}"', "summary": calendar.summary or calendar.id, "timeZone": calendar.time_zone}
        return _page([public(i) for i in selected], _page_size(), offset, snapshot, None, calendar.token_epoch, extra)

    @route("/calendars/<calendar_id>/events", methods=("POST",), needs=WRITE_SCOPES, role="writer")
    def events_insert(calendar):
        event = calendar.create(_json_body(), creator=g.grant.mailbox)
        _send_updates(event["id"])
        return jsonify(public(event))

    @route("/calendars/<calendar_id>/events/<event_id>", methods=("PATCH",), needs=WRITE_SCOPES, role="writer")
    def events_patch(calendar, event_id):
        series, instance = _found(calendar, event_id)
        current = instance or series
        if_match = request.headers.get("If-Match")
        if if_match and if_match != current["etag"]:
            raise GoogleError(412, "Precondition Failed", "conditionNotMet", location="If-Match", locationType="header")
        body = _json_body()
        if current["status"] == "cancelled" and body.get("status") != "confirmed":
            raise GoogleError(410, "Resource has been deleted", "deleted")
        if instance is not None:
            current = calendar.patch_instance(series, instance, body)
        else:
            calendar.apply_patch(series, body)
        _send_updates(event_id)
        return jsonify(public(current))

    @route("/calendars/<calendar_id>/events/<event_id>", methods=("DELETE",), needs=WRITE_SCOPES, role="writer")
    def events_delete(calendar, event_id):
        calendar.delete(event_id)
        _send_updates(event_id)
        return "", 204

    @route("/users/me/calendarList", needs=LIST_SCOPES)
    def calendar_list():
        args = request.args
        account = state.accounts.get(g.grant.mailbox)
        entries = dict(account.entries) if account is not None else {}
        sync_token = args.get("syncToken")
        offset, snapshot = _page_offset()
        if sync_token:
            if "minAccessRole" in args:
                raise GoogleError(400, "Sync token cannot be combined with minAccessRole.", "invalid")
            epoch, _, since = _untoken(sync_token, "l").partition(":")
            if int(epoch) != account.token_epoch:
                raise GoogleError(410, "Sync token is no longer valid, a full sync is required.", "fullSyncRequired", domain="calendar")
            chosen = [(cid, e) for cid, e in entries.items() if e["_changed"] > int(since)]
        else:
            least = args.get("minAccessRole")
            if least is not None and least not in ROLES:
                raise GoogleError(400, f"Invalid value for minAccessRole: {least}", "invalid")
            show_hidden, show_deleted = args.get("showHidden") == "true", args.get("showDeleted") == "true"
            chosen = [
                (cid, e)
                for cid, e in entries.items()
                if (show_deleted or not e.get("deleted"))
                and (show_hidden or not e.get("hidden"))
                and (least is None or e.get("deleted") or ROLES.index(e["accessRole"]) >= ROLES.index(least))
            ]
        chosen.sort(key=lambda item: (not item[1].get("primary"), state.calendars[item[0]].summary.lower(), item[0]))
        snapshot = max((e["_changed"] for e in entries.values()), default=0) if snapshot is None else snapshot
        items = [_list_entry(state.calendars[cid], entry) for cid, entry in chosen]
        extra = {"kind": "calendar#calendarList", "etag": f'"l{snapshot}"'}
        return _page(items, _page_size(100, 250), offset, snapshot, "l", account.token_epoch if account else 0, extra)

    @route("/freeBusy", methods=("POST",), needs=FREEBUSY_SCOPES)
    def freebusy_query():
        body = _json_body()
        if "timeMin" not in body or "timeMax" not in body:
            raise GoogleError(400, "Missing timeMin or timeMax.", "required")
        lower, upper = parse_time(body["timeMin"], "timeMin"), parse_time(body["timeMax"], "timeMax")
        if upper <= lower:
            raise GoogleError(400, "The specified time range is empty.", "timeRangeEmpty")
        calendars = {}
        for item in body.get("items") or []:
            calendar_id = str(item.get("id"))
            try:
                calendar = open_calendar(g.grant, calendar_id, FREEBUSY_SCOPES, None)
            except GoogleError:
                calendars[calendar_id] = {"errors": [{"domain": "global", "reason": "notFound"}], "busy": []}
                continue
            horizon = calendar.horizon()
            intervals = sorted(
                (max(event_time(e["start"], "start"), lower), min(event_time(e["end"], "end"), upper))
                for e in calendar.resources(True)
                if e["status"] == "confirmed" and e.get("transparency") != "transparent" and _overlaps(e, lower, upper, horizon)
            )
            merged = []
            for start, end in intervals:
                if merged and start <= merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], end)
                else:
                    merged.append([start, end])
            calendars[calendar_id] = {"busy": [{"start": google_time(s), "end": google_time(e)} for s, e in merged]}
        return jsonify(kind="calendar#freeBusy", timeMin=google_time(lower), timeMax=google_time(upper), calendars=calendars)

    return app


def _list_entry(calendar, entry):
    """A calendarList entry as Google answers it (a removed one: id and ``deleted`` only)."""
    head = {"kind": "calendar#calendarListEntry", "etag": recurrence.etag_of(entry["_changed"]), "id": calendar.id}
    if entry.get("deleted"):
        return {**head, "deleted": True}
    colour = entry.get("colorId", "14")
    out = {
        **head,
        "summary": calendar.summary or calendar.id,
        "timeZone": calendar.time_zone,
        "colorId": colour,
        "backgroundColor": LIST_COLOURS.get(colour, "#9fe1e7"),
        "foregroundColor": "#000000",
        "accessRole": entry["accessRole"],
        "defaultReminders": [{"method": "popup", "minutes": 10}] if entry.get("primary") else [],
        "conferenceProperties": {"allowedConferenceSolutionTypes": ["hangoutsMeet"]},
    }
    for key in ("selected", "primary", "hidden", "summaryOverride"):
        if entry.get(key):
            out[key] = entry[key]
    return out


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
