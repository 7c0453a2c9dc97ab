"""Meetings: list, read, book (pushed to Google Calendar), change, cancel; busy times and conflicts; sync now.

Google Calendar is reached with the caller's ``X-Google-Access-Token`` (a
token with calendar access from the extension) or, without one, the caller's
connected mailbox credentials (calendar_sync.calendar_for). A meeting lives
in its owner's calendar, so only its owner may change or cancel it.

Booking checks the owner's busy times first (their CRM meetings and Google's
freebusy) and answers 409 with the conflicts unless ``allow_conflict`` is
true. Without calendar access the meeting is still booked, checked against
CRM meetings only, and pushed at the owner's next calendar sync.
"""

import datetime

from flask import Blueprint, g, jsonify, request

from threadbook import audit
from threadbook.api.openapi import PAGE_PARAMS, errors, json_response, page_of, path_id, query, ref
from threadbook.api.openapi import json_body as body_schema
from threadbook.api.pages import page_args
from threadbook.api.params import boolean, json_body, string
from threadbook.api.refs import record_ref
from threadbook.calendar.conflicts import busy_times
from threadbook.calendar.push import attendees_of, push_cancel, push_change, push_new, refresh_from_google
from threadbook.calendar.sync import (
    MAX_ATTENDEES,
    MAX_DESCRIPTION,
    MAX_LOCATION,
    MAX_TITLE,
    event_attendees,
    replace_attendees,
    sync_calendar,
)
from threadbook.crm import serializers
from threadbook.crm.records import get_in_org
from threadbook.db import write_transaction
from threadbook.errors import ApiError
from threadbook.google import errors as google_errors
from threadbook.google.access import NoGoogleAccess, calendar_for
from threadbook.identity import access
from threadbook.matching import InvalidAddress, parse_participant
from threadbook.models import Company, Contact, ContactAddress, Lead, Meeting, MeetingAttendee, User, utcnow

bp = Blueprint("meetings", __name__)

TOKEN_HEADER = "X-Google-Access-Token"
MAX_DURATION = datetime.timedelta(days=14)
MAX_BUSY_WINDOW = datetime.timedelta(days=62)


# -- input ------------------------------------------------------------------------
def parse_time(value, name):
    """Return a naive UTC datetime from an RFC 3339 string with an offset, or raise 400."""
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, f"'{name}' must be a date and time like 2026-03-02T10:00:00Z.", field=name)
    try:
        parsed = datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ApiError(400, f"'{name}' must be a date and time like 2026-03-02T10:00:00Z.", field=name)
    if parsed.tzinfo is None:
        raise ApiError(400, f"'{name}' needs a UTC offset (Z or +01:00): a bare time is ambiguous.", field=name)
    try:
        return parsed.astimezone(datetime.timezone.utc).replace(tzinfo=None, microsecond=0)
    except OverflowError:  # e.g. 0001-01-01T00:00+01:00 is before the first representable UTC time
        raise ApiError(400, f"'{name}' is out of range: use a date between the years 1 and 9999 in UTC.", field=name)


def time_range(start_raw, end_raw, start_name="start", end_name="end", longest=MAX_DURATION):
    start, end = parse_time(start_raw, start_name), parse_time(end_raw, end_name)
    if end <= start:
        raise ApiError(400, f"'{end_name}' must be after '{start_name}'.", field=end_name)
    if end - start > longest:
        raise ApiError(400, f"From '{start_name}' to '{end_name}' may be at most {longest.days} days.", field=end_name)
    return start, end


def _attendee_list(body, existing=()):
    """Return [(name, address, normalised, status)]: ``existing`` people, then ``attendees``, ``contact_id`` and ``lead_id``."""
    raw = body.get("attendees")
    if raw is None:
        raw = []
    if not isinstance(raw, list) or len(raw) > MAX_ATTENDEES:
        raise ApiError(400, f"'attendees' must be a list of at most {MAX_ATTENDEES} addresses.", field="attendees")
    people = {person[2]: person for person in existing}
    for item in raw:
        if isinstance(item, str):
            address, name = item, None
        elif isinstance(item, dict) and isinstance(item.get("email"), str) and isinstance(item.get("name", ""), (str, type(None))):
            address, name = item["email"], item.get("name")
        else:
            raise ApiError(400, "Each attendee must be an address or {\"email\", \"name\"}.", field="attendees")
        try:
            display, written, normalized = parse_participant(address, name)
        except InvalidAddress as exc:
            raise ApiError(400, str(exc), field="attendees")
        people.setdefault(normalized, (display[:255], written, normalized, "needsAction"))
    contact = record_ref(body, "contact_id", Contact, "contact")
    if contact is not None:
        primary = ContactAddress.select().where(ContactAddress.contact == contact.id).order_by(ContactAddress.is_primary.desc(), ContactAddress.id).first()
        if primary is not None:
            people.setdefault(primary.email_normalized, (contact.name[:255], primary.email, primary.email_normalized, "needsAction"))
    lead = record_ref(body, "lead_id", Lead, "lead")
    if lead is not None:
        people.setdefault(lead.email_normalized, (lead.name[:255], lead.email, lead.email_normalized, "needsAction"))
    if len(people) > MAX_ATTENDEES:
        raise ApiError(400, f"A meeting has at most {MAX_ATTENDEES} attendees.", field="attendees")
    return list(people.values())


def _calendar():
    """Return (Calendar client or None, reason it is None)."""
    token = request.headers.get(TOKEN_HEADER, "").strip() or None
    try:
        return calendar_for(g.user, g.org, token), None
    except NoGoogleAccess as exc:
        return None, str(exc)


def calendar_error_to_api(exc):
    """Answer a Google Calendar failure with something the person can act on."""
    if isinstance(exc, google_errors.ReauthRequired):
        return ApiError(401, "Google refused the access (expired or revoked). Reconnect Google in Threadbook and try again.", code="google_reauth_required")
    if isinstance(exc, google_errors.InsufficientScope):
        return ApiError(403, "The Google access does not include your calendar. Connect Google again and allow calendar access.", code="google_scope_required")
    if isinstance(exc, google_errors.NotFound):
        return ApiError(404, "Google Calendar has no such event in your calendar any more; sync your calendar.", code="not_found")
    if exc.status and 400 <= exc.status < 500 and not isinstance(exc, google_errors.RateLimited):
        return ApiError(422, f"Google Calendar refused this ({exc.message[:200]}).", code="google_refused")
    retry = exc.retry_after or 5
    return ApiError(
        503, f"Google Calendar did not answer properly ({exc.message[:200]}); try again shortly.", code="google_unavailable", headers={"Retry-After": str(retry)}
    )


def _busy_or_503(start, end, calendar, reason, exclude=None):
    answer = busy_times(g.user, start, end, calendar, reason, exclude)
    if answer.google_error is not None:
        raise calendar_error_to_api(answer.google_error)
    return answer


# -- output -----------------------------------------------------------------------
def present_meetings(meetings):
    """Serialise meetings with each attendee's CRM record and the linked contacts, leads and companies (fixed query count)."""
    meetings = list(meetings)
    if not meetings:
        return []
    org_id = meetings[0].org_id
    attendees = {}
    for a in MeetingAttendee.select().where(MeetingAttendee.meeting.in_([m.id for m in meetings])).order_by(MeetingAttendee.id):
        attendees.setdefault(a.meeting_id, []).append(a)
    addresses = sorted({a.address_normalized for rows in attendees.values() for a in rows})
    contact_of, lead_of, colleague_of, company_of = {}, {}, {}, {}
    if addresses:
        for row in ContactAddress.select(ContactAddress.email_normalized, ContactAddress.contact).where(
            (ContactAddress.org == org_id) & ContactAddress.email_normalized.in_(addresses)
        ):
            contact_of[row.email_normalized] = row.contact_id
        for row in Lead.select(Lead.id, Lead.email_normalized).where(
            (Lead.org == org_id) & Lead.email_normalized.in_(addresses) & (Lead.status != "converted")
        ):
            lead_of[row.email_normalized] = row.id
        for row in User.select(User.id, User.email_normalized).where((User.org == org_id) & User.email_normalized.in_(addresses)):
            colleague_of[row.email_normalized] = row.id
        if contact_of:
            for contact in Contact.select(Contact.id, Contact.company).where(Contact.id.in_(list(set(contact_of.values())))):
                company_of[contact.id] = contact.company_id
    companies = {c.id for c in Company.select(Company.id).where(Company.id.in_([i for i in company_of.values() if i]))} if company_of else set()
    out = []
    for m in meetings:
        rows = attendees.get(m.id, [])
        item = serializers.meeting(m, rows)
        contact_ids, lead_ids = [], []
        for shown, row in zip(item["attendees"], rows):
            address = row.address_normalized
            if address in colleague_of:
                shown.update(kind="colleague", record_id=colleague_of[address])
            elif address in contact_of:
                shown.update(kind="contact", record_id=contact_of[address])
                contact_ids.append(contact_of[address])
            elif address in lead_of:
                shown.update(kind="lead", record_id=lead_of[address])
                lead_ids.append(lead_of[address])
            else:
                shown.update(kind="unknown", record_id=None)
        item.update(
            google_event_id=m.google_event_id,
            contact_ids=sorted(set(contact_ids)),
            lead_ids=sorted(set(lead_ids)),
            company_ids=sorted({company_of[c] for c in contact_ids if company_of.get(c) in companies}),
            created_at=serializers.iso(m.created_at),
            updated_at=serializers.iso(m.updated_at),
        )
        out.append(item)
    return out


def present_meeting(meeting):
    return present_meetings([meeting])[0]


def _own_meeting(meeting_id):
    meeting = get_in_org(Meeting, meeting_id, g.org.id, "meeting")
    if not access.can_change_meeting(g.user, meeting):
        raise ApiError(403, "Only the meeting's owner can change it: it lives in their calendar.")
    return meeting


# -- routes -----------------------------------------------------------------------
@bp.get("/api/v1/meetings")
def list_meetings():
    org_id = g.org.id
    query_ = Meeting.select().where(Meeting.org == org_id)
    addresses = None
    for name, model, what in (("contact_id", Contact, "contact"), ("lead_id", Lead, "lead"), ("company_id", Company, "company")):
        raw = request.args.get(name)
        if raw is None or raw == "":
            continue
        if not raw.isdigit():
            raise ApiError(400, f"Query parameter '{name}' must be an id.")
        record = get_in_org(model, int(raw), org_id, what)
        if model is Contact:
            found = ContactAddress.select(ContactAddress.email_normalized).where(ContactAddress.contact == record.id)
        elif model is Lead:
            found = [record.email_normalized]
        else:
            found = ContactAddress.select(ContactAddress.email_normalized).join(Contact).where(Contact.company == record.id)
        found = {a if isinstance(a, str) else a.email_normalized for a in found}
        addresses = found if addresses is None else addresses & found
    if addresses is not None:
        met = MeetingAttendee.select(MeetingAttendee.meeting).where((MeetingAttendee.org == org_id) & MeetingAttendee.address_normalized.in_(sorted(addresses) or [""]))
        query_ = query_.where(Meeting.id.in_(met))
    if request.args.get("from"):
        query_ = query_.where(Meeting.end > parse_time(request.args["from"], "from"))
    if request.args.get("to"):
        query_ = query_.where(Meeting.start < parse_time(request.args["to"], "to"))
    status = request.args.get("status")
    if status:
        if status not in ("confirmed", "cancelled"):
            raise ApiError(400, "Query parameter 'status' must be confirmed or cancelled.")
        query_ = query_.where(Meeting.status == status)
    page, per_page = page_args()
    rows = list(query_.order_by(Meeting.start.desc(), Meeting.id.desc()).offset((page - 1) * per_page).limit(per_page + 1))
    return jsonify({"items": present_meetings(rows[:per_page]), "page": page, "per_page": per_page, "has_more": len(rows) > per_page})


@bp.get("/api/v1/meetings/<int:id>")
def get_meeting(id):
    return jsonify(present_meeting(get_in_org(Meeting, id, g.org.id, "meeting")))


@bp.post("/api/v1/meetings")
def create_meeting():
    body = json_body()
    title = string(body, "title", required=True, max_length=MAX_TITLE)
    description = string(body, "description", max_length=MAX_DESCRIPTION, strip=False) or ""
    location = string(body, "location", max_length=MAX_LOCATION) or ""
    start, end = time_range(body.get("start"), body.get("end"))
    people = _attendee_list(body)
    allow_conflict = boolean(body, "allow_conflict", default=False)
    send_updates = "all" if boolean(body, "send_invitations", default=True) else "none"
    calendar, reason = _calendar()
    answer = _busy_or_503(start, end, calendar, reason)
    if answer.busy and not allow_conflict:
        raise ApiError(
            409,
            "You are busy then. Pick another time, or send \"allow_conflict\": true to book it anyway.",
            code="meeting_conflict",
            conflicts=[b.as_dict() for b in answer.busy],
            google_checked=answer.google_checked,
        )
    with write_transaction():
        meeting = Meeting.create(
            org=g.org.id, owner=g.user.id, title=title, description=description, location=location, start=start, end=end, source="crm"
        )
        replace_attendees(meeting.id, g.org.id, people)
    pushed = False
    if calendar is not None:
        try:
            push_new(meeting, calendar, send_updates)
            pushed, reason = True, None
        except google_errors.GoogleApiError as exc:
            reason = f"Google Calendar did not take it yet ({exc.message[:200]}); it will be added at your next calendar sync."
    return jsonify(
        {
            "meeting": present_meeting(Meeting.get_by_id(meeting.id)),
            "calendar": {"pushed": pushed, "reason": reason},
            "conflicts": [b.as_dict() for b in answer.busy],
            "google_checked": answer.google_checked,
        }
    ), 201


@bp.patch("/api/v1/meetings/<int:id>")
def update_meeting(id):
    body = json_body()
    meeting = _own_meeting(id)
    if meeting.status == "cancelled":
        raise ApiError(409, "This meeting is cancelled; book a new one instead.", code="meeting_cancelled")
    fields = {}
    if "title" in body:
        fields["title"] = string(body, "title", required=True, max_length=MAX_TITLE)
    if "description" in body:
        fields["description"] = string(body, "description", max_length=MAX_DESCRIPTION, strip=False) or ""
    if "location" in body:
        fields["location"] = string(body, "location", max_length=MAX_LOCATION) or ""
    if "start" in body or "end" in body:
        start_raw = body["start"] if "start" in body else serializers.iso(meeting.start)
        end_raw = body["end"] if "end" in body else serializers.iso(meeting.end)
        fields["start"], fields["end"] = time_range(start_raw, end_raw)
    people = None
    if "attendees" in body:
        people = _attendee_list(body)  # replaces the list (contact_id and lead_id add to it)
    elif body.get("contact_id") is not None or body.get("lead_id") is not None:
        current = [(a.name, a.address, a.address_normalized, a.response_status) for a in attendees_of(meeting.id)]
        people = _attendee_list(body, current)
    allow_conflict = boolean(body, "allow_conflict", default=False)
    send_updates = "all" if boolean(body, "send_invitations", default=True) else "none"
    if not fields and people is None:
        return jsonify({"meeting": present_meeting(meeting), "calendar": {"pushed": False, "reason": "Nothing to change."}})
    calendar, reason = _calendar()
    if meeting.google_event_id and calendar is None:
        raise ApiError(400, f"This meeting is in Google Calendar and cannot be changed without it: {reason}", code="google_token_required")
    conflicts = []
    if "start" in fields and (fields["start"], fields["end"]) != (meeting.start, meeting.end):
        answer = _busy_or_503(fields["start"], fields["end"], calendar, reason, exclude=meeting)
        if answer.busy and not allow_conflict:
            raise ApiError(
                409,
                "You are busy then. Pick another time, or send \"allow_conflict\": true to move it anyway.",
                code="meeting_conflict",
                conflicts=[b.as_dict() for b in answer.busy],
                google_checked=answer.google_checked,
            )
        conflicts = answer.busy
    pushed = False
    if meeting.google_event_id:
        # Google first, with the state to be; the CRM is written only once Google took it.
        proposed = Meeting(**{**meeting.__data__, **fields})
        attendees = [MeetingAttendee(name=n, address=a) for n, a, _, _ in people] if people is not None else attendees_of(meeting.id)
        try:
            event = push_change(proposed, attendees, calendar, send_updates)
        except google_errors.PreconditionFailed:
            try:
                current = refresh_from_google(meeting, calendar)
            except google_errors.GoogleApiError as exc:
                raise calendar_error_to_api(exc)
            raise ApiError(
                409,
                "This meeting was changed in Google Calendar since Threadbook last saw it. It now shows Google's version; review it and try again.",
                code="changed_in_google",
                meeting=present_meeting(current) if current is not None else None,
            )
        except google_errors.GoogleApiError as exc:
            raise calendar_error_to_api(exc)
        fields["google_etag"] = event.get("etag")
        people = event_attendees(event)  # Google's answer: keeps the replies attendees already gave
        pushed = True
    with write_transaction():
        Meeting.update(updated_at=utcnow(), **fields).where(Meeting.id == meeting.id).execute()
        if people is not None:
            replace_attendees(meeting.id, g.org.id, people)
    return jsonify(
        {
            "meeting": present_meeting(Meeting.get_by_id(meeting.id)),
            "calendar": {"pushed": pushed, "reason": None if pushed else "Not in Google Calendar yet; it goes there at your next calendar sync."},
            "conflicts": [b.as_dict() for b in conflicts],
        }
    )


@bp.delete("/api/v1/meetings/<int:id>")
def cancel_meeting(id):
    meeting = _own_meeting(id)
    pushed, reason = False, None
    if meeting.status != "cancelled" and meeting.google_event_id:
        calendar, reason = _calendar()
        if calendar is None:
            raise ApiError(400, f"This meeting is in Google Calendar and cannot be cancelled without it: {reason}", code="google_token_required")
        send_updates = "none" if request.args.get("send_invitations") == "false" else "all"
        try:
            push_cancel(meeting, calendar, send_updates)
        except google_errors.GoogleApiError as exc:
            raise calendar_error_to_api(exc)
        pushed, reason = True, None
    with write_transaction():
        cancelled = Meeting.update(status="cancelled", updated_at=utcnow()).where(
            (Meeting.id == meeting.id) & (Meeting.status != "cancelled")
        ).execute()
        if cancelled:  # cancelling again changes nothing and is not recorded twice
            audit.record("meeting.cancelled", org=meeting.org_id, user=g.user, meeting_id=meeting.id, title=meeting.title)
    return jsonify({"meeting": present_meeting(Meeting.get_by_id(meeting.id)), "calendar": {"pushed": pushed, "reason": reason}})


@bp.post("/api/v1/meetings/conflicts")
def meeting_conflicts():
    body = json_body()
    start, end = time_range(body.get("start"), body.get("end"))
    exclude = record_ref(body, "meeting_id", Meeting, "meeting")
    calendar, reason = _calendar()
    answer = _busy_or_503(start, end, calendar, reason, exclude)
    return jsonify({"conflicts": [b.as_dict() for b in answer.busy], "google_checked": answer.google_checked, "reason": answer.reason})


@bp.get("/api/v1/calendar/busy")
def calendar_busy():
    start, end = time_range(request.args.get("start"), request.args.get("end"), longest=MAX_BUSY_WINDOW)
    calendar, reason = _calendar()
    answer = _busy_or_503(start, end, calendar, reason)
    return jsonify({"busy": [b.as_dict() for b in answer.busy], "google_checked": answer.google_checked, "reason": answer.reason})


@bp.post("/api/v1/calendar/sync")
def calendar_sync_now():
    calendar, reason = _calendar()
    if calendar is None:
        raise ApiError(400, reason, code="google_token_required")
    report = sync_calendar(g.user, g.org, calendar)
    if report.outcome == "error":
        raise ApiError(503, report.error, code="google_unavailable", headers={"Retry-After": "30"}, report=report.as_dict())
    return jsonify(report.as_dict())


# -- OpenAPI -----------------------------------------------------------------------
_token_header = {
    "name": TOKEN_HEADER,
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "A Google access token with calendar access (calendar.events, calendar.freebusy); "
    "without it the connected mailbox's credentials are used.",
}
_ts = {"type": "string", "format": "date-time"}
_attendees_input = {
    "type": "array",
    "maxItems": MAX_ATTENDEES,
    "items": {
        "oneOf": [
            {"type": "string", "maxLength": 254},
            {"type": "object", "required": ["email"], "properties": {"email": {"type": "string"}, "name": {"type": ["string", "null"]}}},
        ]
    },
    "description": "Addresses to invite (replaces the list on PATCH).",
}
_meeting_input = {
    "title": {"type": "string", "minLength": 1, "maxLength": MAX_TITLE},
    "description": {"type": "string", "maxLength": MAX_DESCRIPTION},
    "location": {"type": "string", "maxLength": MAX_LOCATION},
    "start": {**_ts, "description": "RFC 3339 with an offset, e.g. 2026-03-02T10:00:00+01:00."},
    "end": {**_ts, "description": "After start; at most 14 days later."},
    "attendees": _attendees_input,
    "contact_id": {"type": "integer", "description": "Invite this contact (their primary address)."},
    "lead_id": {"type": "integer", "description": "Invite this lead."},
    "allow_conflict": {"type": "boolean", "default": False, "description": "Book even when you are busy then."},
    "send_invitations": {"type": "boolean", "default": True, "description": "Let Google mail the attendees."},
}
_calendar_outcome = {
    "type": "object",
    "required": ["pushed", "reason"],
    "properties": {
        "pushed": {"type": "boolean", "description": "Google Calendar has the change."},
        "reason": {"type": ["string", "null"], "description": "Why not (yet)."},
    },
}
_busy_list = {"type": "array", "items": ref("BusyTime")}

OPENAPI_SCHEMAS = {
    "MeetingDetail": {
        "allOf": [
            ref("Meeting"),
            {
                "type": "object",
                "required": ["google_event_id", "contact_ids", "lead_ids", "company_ids", "created_at", "updated_at"],
                "properties": {
                    "attendees": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["email", "name", "response_status", "kind", "record_id"],
                            "properties": {
                                "email": {"type": "string"},
                                "name": {"type": "string"},
                                "response_status": {"type": "string"},
                                "kind": {"enum": ["contact", "lead", "colleague", "unknown"]},
                                "record_id": {"type": ["integer", "null"], "description": "The contact's, lead's or colleague's id."},
                            },
                        },
                    },
                    "status": {"enum": ["confirmed", "cancelled"]},
                    "source": {"enum": ["crm", "calendar"], "description": "Booked in Threadbook, or a Blueberry event from Google Calendar."},
                    "google_event_id": {"type": ["string", "null"], "description": "null while waiting to be pushed to Google."},
                    "contact_ids": {"type": "array", "items": {"type": "integer"}},
                    "lead_ids": {"type": "array", "items": {"type": "integer"}},
                    "company_ids": {"type": "array", "items": {"type": "integer"}, "description": "Companies of the contacts attending."},
                    "created_at": _ts,
                    "updated_at": _ts,
                },
            },
        ]
    },
    "BusyTime": {
        "type": "object",
        "required": ["start", "end", "source", "meeting_id", "title"],
        "properties": {
            "start": _ts,
            "end": _ts,
            "source": {"enum": ["threadbook", "google"]},
            "meeting_id": {"type": ["integer", "null"]},
            "title": {"type": ["string", "null"]},
        },
    },
    "MeetingCreate": {"type": "object", "required": ["title", "start", "end"], "properties": _meeting_input},
    "MeetingUpdate": {"type": "object", "properties": {k: v for k, v in _meeting_input.items()}},
    "CalendarSyncReport": {
        "type": "object",
        "required": ["user_id", "outcome", "mode", "pages", "created", "updated", "cancelled", "removed", "unchanged", "ignored", "pushed", "error"],
        "properties": {
            "user_id": {"type": "integer"},
            "outcome": {"enum": ["synced", "unavailable", "error"]},
            "mode": {"enum": ["full", "incremental", "resync"], "description": "resync: Google answered 410 and a full sync ran."},
            **{k: {"type": "integer"} for k in ("pages", "created", "updated", "cancelled", "removed", "unchanged", "ignored", "pushed")},
            "error": {"type": "string"},
        },
    },
}
_conflict_409 = json_response(
    "You are busy then (error meeting_conflict, with conflicts and google_checked); or, on PATCH, the event changed in Google (changed_in_google, with meeting).",
    {
        "allOf": [
            ref("Error"),
            {
                "type": "object",
                "properties": {"conflicts": _busy_list, "google_checked": {"type": "boolean"}, "meeting": {"oneOf": [ref("MeetingDetail"), {"type": "null"}]}},
            },
        ]
    },
)
_range_params = [
    {"name": "start", "in": "query", "required": True, "schema": _ts, "description": "RFC 3339 with an offset."},
    {"name": "end", "in": "query", "required": True, "schema": _ts, "description": "After start; at most 62 days later."},
]

OPENAPI_PATHS = {
    "/api/v1/meetings": {
        "get": {
            "summary": "List meetings, newest first, optionally those of a contact, lead or company",
            "tags": ["meetings"],
            "parameters": [
                query("contact_id", {"type": "integer"}, "Meetings the contact attends (any of their addresses)."),
                query("lead_id", {"type": "integer"}, "Meetings the lead attends."),
                query("company_id", {"type": "integer"}, "Meetings the company's contacts attend."),
                query("from", _ts, "Meetings ending after this time."),
                query("to", _ts, "Meetings starting before this time."),
                query("status", {"enum": ["confirmed", "cancelled"]}, "Only meetings in this state."),
                *PAGE_PARAMS,
            ],
            "responses": {"200": json_response("A page of meetings.", page_of(ref("MeetingDetail"))), **errors(400, 401, 404)},
        },
        "post": {
            "summary": "Book a meeting and put it in your Google Calendar (Blueberry)",
            "description": "Answers 409 meeting_conflict when you are busy then, unless allow_conflict is true. "
            "Without calendar access the meeting is booked in Threadbook and pushed at your next calendar sync.",
            "tags": ["meetings"],
            "parameters": [_token_header],
            "requestBody": body_schema(ref("MeetingCreate")),
            "responses": {
                "201": json_response(
                    "The meeting.",
                    {
                        "type": "object",
                        "required": ["meeting", "calendar", "conflicts", "google_checked"],
                        "properties": {
                            "meeting": ref("MeetingDetail"),
                            "calendar": _calendar_outcome,
                            "conflicts": {**_busy_list, "description": "Booked over these (allow_conflict)."},
                            "google_checked": {"type": "boolean", "description": "Google's busy times were checked too."},
                        },
                    },
                ),
                "409": _conflict_409,
                **errors(400, 401, 403, 404, 415, 422, 503),
            },
        },
    },
    "/api/v1/meetings/{id}": {
        "get": {
            "summary": "Read a meeting",
            "tags": ["meetings"],
            "parameters": [path_id()],
            "responses": {"200": json_response("The meeting.", ref("MeetingDetail")), **errors(401, 404)},
        },
        "patch": {
            "summary": "Change your meeting (and its Google event, unless it changed there meanwhile)",
            "tags": ["meetings"],
            "parameters": [path_id(), _token_header],
            "requestBody": body_schema(ref("MeetingUpdate")),
            "responses": {
                "200": json_response(
                    "The changed meeting.",
                    {
                        "type": "object",
                        "required": ["meeting", "calendar"],
                        "properties": {"meeting": ref("MeetingDetail"), "calendar": _calendar_outcome, "conflicts": _busy_list},
                    },
                ),
                "409": _conflict_409,
                **errors(400, 401, 403, 404, 415, 422, 503),
            },
        },
        "delete": {
            "summary": "Cancel your meeting (and delete its Google event)",
            "tags": ["meetings"],
            "parameters": [
                path_id(),
                _token_header,
                query("send_invitations", {"enum": ["true", "false"]}, "false: Google does not mail the attendees."),
            ],
            "responses": {
                "200": json_response(
                    "The cancelled meeting.",
                    {"type": "object", "required": ["meeting", "calendar"], "properties": {"meeting": ref("MeetingDetail"), "calendar": _calendar_outcome}},
                ),
                **errors(400, 401, 403, 404, 422, 503),
            },
        },
    },
    "/api/v1/meetings/conflicts": {
        "post": {
            "summary": "What a meeting at this time would clash with",
            "tags": ["meetings"],
            "parameters": [_token_header],
            "requestBody": body_schema(
                {
                    "type": "object",
                    "required": ["start", "end"],
                    "properties": {
                        "start": _ts,
                        "end": _ts,
                        "meeting_id": {"type": "integer", "description": "The meeting being moved: its own time does not count."},
                    },
                }
            ),
            "responses": {
                "200": json_response(
                    "Busy times in the range (empty: free).",
                    {
                        "type": "object",
                        "required": ["conflicts", "google_checked", "reason"],
                        "properties": {"conflicts": _busy_list, "google_checked": {"type": "boolean"}, "reason": {"type": ["string", "null"]}},
                    },
                ),
                **errors(400, 401, 403, 404, 415, 422, 503),
            },
        }
    },
    "/api/v1/calendar/busy": {
        "get": {
            "summary": "Your busy times: Threadbook meetings and Google Calendar's freebusy",
            "tags": ["meetings"],
            "parameters": [*_range_params, _token_header],
            "responses": {
                "200": json_response(
                    "Busy times.",
                    {
                        "type": "object",
                        "required": ["busy", "google_checked", "reason"],
                        "properties": {"busy": _busy_list, "google_checked": {"type": "boolean"}, "reason": {"type": ["string", "null"]}},
                    },
                ),
                **errors(400, 401, 403, 503),
            },
        }
    },
    "/api/v1/calendar/sync": {
        "post": {
            "summary": "Sync your Google Calendar now (Blueberry events in, pending meetings out)",
            "tags": ["meetings"],
            "parameters": [_token_header],
            "responses": {"200": json_response("What the sync did.", ref("CalendarSyncReport")), **errors(400, 401, 503)},
        }
    },
}
