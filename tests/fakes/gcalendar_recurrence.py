"""Recurring events in the fake Calendar, answered the way Google's API answers them.

A recurring event is stored once, as Google stores it: a "series" event whose
``recurrence`` holds RFC 5545 lines (``RRULE:``, ``EXDATE:``, ``RDATE:``),
expanded here with python-dateutil's ``rrulestr`` (never by hand). Timed
series expand in their ``start.timeZone`` (Google requires one), so a weekly
10:00 in Europe/Berlin stays 10:00 across a daylight-saving change; all-day
series expand by date.

Each occurrence is an *instance* with Google's id ``<seriesId>_<YYYYMMDDTHHMMSSZ>``
(the original start in UTC; ``<seriesId>_<YYYYMMDD>`` for all-day series),
``recurringEventId`` and ``originalStartTime``, and no ``recurrence``. An
instance changed on its own (moved, renamed, a reply) is an *exception*: its
changed fields are kept in the series' ``_exceptions`` under the instance id
and laid over the series' fields, so a later change of the whole series still
reaches the fields the exception did not change. A cancelled instance is an
exception with ``status: cancelled``; in a list it comes in the short form
``{"kind", "etag", "id", "status", "recurringEventId", "originalStartTime"}``.

An instance's change counter (behind etags and sync tokens) is the later of
its series' and its exception's: a change of the series lists every instance
again in an incremental sync, as Google does.

Two limits as Google has them (reported, not documented): an open-ended
series is expanded ``HORIZON_DAYS`` ahead, and a deleted series lists its
cancelled instances in an incremental ``singleEvents`` sync only
``DELETED_SERIES_DAYS`` ahead (googleapis/google-api-ruby-client#860).
"""

import copy
import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import rrule

from .google_common import GoogleError

UTC = datetime.UTC
HORIZON_DAYS = 730
DELETED_SERIES_DAYS = 183
MAX_INSTANCES = 3000
RULE_PREFIXES = ("RRULE:", "EXRULE:", "RDATE", "EXDATE")
# Set on the series only; an instance never carries them, and a patch of an instance cannot change them.
SERIES_ONLY = ("recurrence",)
IMMUTABLE = ("id", "kind", "etag", "created", "updated", "iCalUID", "htmlLink", "organizer", "creator", "recurringEventId", "originalStartTime", "recurrence")


def is_series(event):
    return bool(event.get("recurrence"))


def etag_of(changed):
    return f'"{3400000000000000 + changed}"'


def _zone(name):
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise GoogleError(400, f"Invalid time zone definition for start time: {name}", "invalid") from None


def _first_start(event):
    """(all_day, the first start as rrule wants it, the zone name or None)."""
    start = event["start"]
    if start.get("date"):
        day = datetime.date.fromisoformat(start["date"])
        return True, datetime.datetime(day.year, day.month, day.day), None
    name = start.get("timeZone")
    moment = datetime.datetime.fromisoformat(start["dateTime"].replace("Z", "+00:00"))
    return False, moment.astimezone(_zone(name)), name


def _duration(event):
    start, end = event["start"], event["end"]
    if start.get("date"):
        return datetime.date.fromisoformat(end["date"]) - datetime.date.fromisoformat(start["date"])
    parse = lambda value: datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))  # noqa: E731
    return parse(end["dateTime"]) - parse(start["dateTime"])


def check_series(body):
    """Refuse a series Google would refuse: lines it cannot read, a timed series without a time zone."""
    lines = body.get("recurrence")
    if not isinstance(lines, list) or not all(isinstance(line, str) and line.upper().startswith(RULE_PREFIXES) for line in lines):
        raise GoogleError(400, "Invalid recurrence rule.", "invalid")
    for name in ("start", "end"):
        when = body.get(name) or {}
        if when.get("dateTime") and not when.get("timeZone"):
            raise GoogleError(400, f"Missing time zone definition for {name} time.", "required")
    occurrences(body, datetime.datetime.now(UTC) + datetime.timedelta(days=1))  # parses the rule


def occurrences(series, until):
    """The original starts of a series' occurrences up to ``until`` (aware UTC): [(start as expanded, start in UTC)]."""
    all_day, first, _ = _first_start(series)
    try:
        rules = rrule.rrulestr("\n".join(series["recurrence"]), dtstart=first, forceset=True)
        out = []
        for moment in rules:
            utc = moment.replace(tzinfo=UTC) if all_day else moment.astimezone(UTC)
            if utc >= until or len(out) >= MAX_INSTANCES:
                break
            out.append((moment, utc))
        return out
    except (ValueError, TypeError) as exc:
        raise GoogleError(400, f"Invalid recurrence rule: {exc}", "invalid") from None


def _google_when(moment, all_day, zone_name):
    if all_day:
        return {"date": moment.date().isoformat()}
    text = moment.isoformat()
    when = {"dateTime": text[:-6] + "Z" if text.endswith("+00:00") else text}
    if zone_name:
        when["timeZone"] = zone_name
    return when


def instance_id(series_id, original_start, all_day=False):
    """Google's id of one occurrence: the series id and the original start (UTC), or its date for all-day series."""
    if all_day:
        return f"{series_id}_{original_start:%Y%m%d}"
    return f"{series_id}_{original_start.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def _instance(series, moment, utc):
    all_day, _, zone_name = _first_start(series)
    iid = instance_id(series["id"], moment if all_day else utc, all_day)
    duration = _duration(series)
    resource = {k: copy.deepcopy(v) for k, v in series.items() if not k.startswith("_") and k not in SERIES_ONLY}
    original = _google_when(moment, all_day, zone_name)
    end = moment + duration if not all_day else moment + datetime.timedelta(days=duration.days)
    resource.update(id=iid, recurringEventId=series["id"], originalStartTime=original, start=dict(original), end=_google_when(end, all_day, zone_name))
    changed, updated = series["_changed"], series["updated"]
    exception = series.get("_exceptions", {}).get(iid)
    if exception is not None:
        resource.update(copy.deepcopy(exception["fields"]))
        resource["sequence"] = exception["sequence"]
        if exception["_changed"] > changed:
            changed, updated = exception["_changed"], exception["updated"]
    if series["status"] == "cancelled":
        resource["status"] = "cancelled"
    resource.update(_changed=changed, etag=etag_of(changed), updated=updated, _original_utc=utc, _series_cancelled=series["status"] == "cancelled")
    return resource


def instances(series, until):
    """Every instance of a series whose original start is before ``until``, exceptions applied."""
    return [_instance(series, moment, utc) for moment, utc in occurrences(series, until)]


def find_instance(series, iid, until):
    """The instance with this id, or None."""
    for moment, utc in occurrences(series, until):
        candidate = _instance(series, moment, utc)
        if candidate["id"] == iid:
            return candidate
    return None


def exceptions(series, until):
    """The instances changed or cancelled on their own (what ``singleEvents=false`` lists beside the series)."""
    changed = set(series.get("_exceptions", {}))
    return [i for i in instances(series, until) if i["id"] in changed]


def short_cancelled(resource):
    """A cancelled event as a list answers it: an instance keeps its series and original start, nothing else."""
    short = {"kind": "calendar#event", "etag": resource["etag"], "id": resource["id"], "status": "cancelled"}
    if resource.get("recurringEventId"):
        short.update(recurringEventId=resource["recurringEventId"], originalStartTime=resource["originalStartTime"])
    else:
        short["updated"] = resource["updated"]
    return short
