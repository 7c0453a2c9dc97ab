"""Meetings: list, read, book (pushed to Google Calendar), change, cancel; busy times and conflicts; sync now.

HTTP only: requests are read by api/meeting_input.py, the rules and writes
are calendar/meetings.py's, and the JSON of a meeting is calendar/records.py's.
Google Calendar is reached with the caller's ``X-Google-Access-Token`` (a
token with calendar access from the extension) or, without one, the caller's
connected mailbox. The OpenAPI description is in api/meetings_doc.py.

A refusal of the meetings service answers here (``refused``); Google's
failures propagate to the app-wide answer (api/google_answers.py).
"""

from flask import Blueprint, g, jsonify, request

from threadbook.api import google_answers
from threadbook.api.google_answers import google_token
from threadbook.api.meeting_input import MAX_BUSY_WINDOW, meeting_changes, new_meeting, parse_time, time_range
from threadbook.api.pages import page_args
from threadbook.api.params import json_body
from threadbook.api.refs import record_ref
from threadbook.calendar import meetings
from threadbook.calendar.records import meetings_page, present_meeting, present_meetings
from threadbook.crm.records import get_in_org
from threadbook.errors import ApiError, error_response
from threadbook.models import Company, Contact, Lead, Meeting

bp = Blueprint("meetings", __name__)


@bp.errorhandler(meetings.MeetingRefused)
def refused(exc):
    """Answer a refusal of the meetings service (only views of this blueprint raise them)."""
    message = str(exc)
    if isinstance(exc, meetings.NotMeetingOwner):
        return error_response(403, "forbidden", message)
    if isinstance(exc, meetings.MeetingCancelled):
        return error_response(409, "meeting_cancelled", message)
    if isinstance(exc, meetings.MeetingConflict):
        conflicts = [b.as_dict() for b in exc.busy.busy]
        return error_response(409, "meeting_conflict", message, conflicts=conflicts, google_checked=exc.busy.google_checked)
    if isinstance(exc, meetings.ChangedInGoogle):
        return error_response(409, "changed_in_google", message, meeting=present_meeting(exc.meeting) if exc.meeting is not None else None)
    if isinstance(exc, meetings.OneWayCalendar):
        return error_response(409, "calendar_one_way", message)
    if isinstance(exc, meetings.CalendarNeeded):
        return error_response(400, "google_token_required", message)
    raise TypeError(f"no answer for {exc.__class__.__name__}")  # a new refusal needs its answer here


def calendar_outcome(outcome):
    return {"pushed": outcome.pushed, "reason": outcome.reason}


def busy_list(busy):
    return [b.as_dict() for b in busy]


# -- routes -----------------------------------------------------------------------
@bp.get("/meetings")
def list_meetings():
    attended_by = []
    for name, model, what in (("contact_id", Contact, "contact"), ("lead_id", Lead, "lead"), ("company_id", Company, "company")):
        raw = request.args.get(name)
        if raw is None or raw == "":
            continue
        if not raw.isdigit():
            raise ApiError(400, f"Query parameter '{name}' must be an id.", field=name)
        attended_by.append(get_in_org(model, int(raw), g.org.id, what))
    since = parse_time(request.args["from"], "from") if request.args.get("from") else None
    until = parse_time(request.args["to"], "to") if request.args.get("to") else None
    status = request.args.get("status")
    if status and status not in ("confirmed", "cancelled"):
        raise ApiError(400, "Query parameter 'status' must be confirmed or cancelled.", field="status")
    page, per_page = page_args()
    rows, has_more = meetings_page(g.org.id, attended_by, since, until, status, offset=(page - 1) * per_page, limit=per_page)
    return jsonify({"items": present_meetings(rows), "page": page, "per_page": per_page, "has_more": has_more})


@bp.get("/meetings/<int:id>")
def get_meeting(id):
    return jsonify(present_meeting(get_in_org(Meeting, id, g.org.id, "meeting")))


@bp.post("/meetings")
def create_meeting():
    new = new_meeting(json_body())
    outcome = meetings.book_meeting(g.user, g.org, new, google_token())
    answer = {
        "meeting": present_meeting(outcome.meeting),
        "calendar": calendar_outcome(outcome),
        "conflicts": busy_list(outcome.conflicts),
        "google_checked": outcome.google_checked,
    }
    return jsonify(answer), 201


@bp.patch("/meetings/<int:id>")
def update_meeting(id):
    body = json_body()
    meeting = meetings.meeting_to_change(g.user, id)
    changes = meeting_changes(body, meeting)
    outcome = meetings.change_meeting(g.user, g.org, meeting, changes, google_token())
    answer = {"meeting": present_meeting(outcome.meeting), "calendar": calendar_outcome(outcome)}
    if outcome.conflicts is not None:  # absent when there was nothing to change
        answer["conflicts"] = busy_list(outcome.conflicts)
    return jsonify(answer)


@bp.delete("/meetings/<int:id>")
def cancel_meeting(id):
    meeting = meetings.owned_meeting(g.user, id)
    send_updates = "none" if request.args.get("send_invitations") == "false" else "all"
    outcome = meetings.cancel_meeting(g.user, g.org, meeting, google_token(), send_updates)
    return jsonify({"meeting": present_meeting(outcome.meeting), "calendar": calendar_outcome(outcome)})


@bp.post("/meetings/conflicts")
def meeting_conflicts():
    body = json_body()
    start, end = time_range(body.get("start"), body.get("end"))
    exclude = record_ref(body, "meeting_id", Meeting, "meeting")
    answer = meetings.busy_for(g.user, g.org, start, end, google_token(), exclude)
    return jsonify({"conflicts": busy_list(answer.busy), "google_checked": answer.google_checked, "reason": answer.reason})


@bp.get("/calendar/busy")
def calendar_busy():
    start, end = time_range(request.args.get("start"), request.args.get("end"), longest=MAX_BUSY_WINDOW)
    answer = meetings.busy_for(g.user, g.org, start, end, google_token())
    return jsonify({"busy": busy_list(answer.busy), "google_checked": answer.google_checked, "reason": answer.reason})


@bp.post("/calendar/sync")
def calendar_sync_now():
    report = meetings.sync_now(g.user, g.org, google_token())
    if report.outcome == "error":  # every chosen calendar failed: answered as Google's failure is, with the report
        status, code, headers = 503, "google_unavailable", {"Retry-After": "30"}
        if report.failure is not None:
            answer = google_answers.answer(report.failure)
            status, code, headers = answer.status, answer.code, answer.headers
        raise ApiError(status, report.error, code=code, headers=headers, report=report.as_dict())
    return jsonify(report.as_dict())
