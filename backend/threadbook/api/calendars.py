"""Your Google calendars: which ones sync into the CRM, and how each one's sync last went.

``GET /api/v1/calendars`` answers always (the calendars stored, with their
health); with Google's calendar list when the caller's access may read it
(``X-Google-Access-Token`` with ``calendar.calendarlist.readonly``, or a
connected mailbox whose grant has it), else ``choosing`` says what to allow.
``PUT /api/v1/calendars/selection`` chooses; it needs the list: 403
``google_scope_required`` (with ``scope``) without it. The rules are
calendar/choices.py's; the OpenAPI description is api/calendars_doc.py.
"""

from flask import Blueprint, g, jsonify

from threadbook.api.google_answers import google_token
from threadbook.api.params import json_body
from threadbook.calendar import choices
from threadbook.errors import ApiError, error_response

bp = Blueprint("calendars", __name__)
MAX_ID = 255  # Google's calendar ids are addresses, or ``…@group.calendar.google.com``


@bp.errorhandler(choices.ListUnavailable)
def list_unavailable(exc):
    status = 400 if exc.code == "google_token_required" else 401 if exc.code == "google_reauth_required" else 403
    return error_response(status, exc.code, str(exc), scope=exc.scope)


@bp.errorhandler(choices.NotOnTheList)
def not_on_the_list(exc):
    return error_response(400, "bad_request", str(exc), field="calendar_ids")


def calendar_ids(body):
    """The body's ``calendar_ids``: a list of at most MAX_CHOSEN distinct non-empty strings (400 with field otherwise)."""
    ids = body.get("calendar_ids")
    if not isinstance(ids, list):
        raise ApiError(400, "'calendar_ids' must be a list of calendar ids (an empty list syncs no calendar).", field="calendar_ids")
    if len(ids) > choices.MAX_CHOSEN:
        raise ApiError(400, f"Choose at most {choices.MAX_CHOSEN} calendars.", field="calendar_ids")
    out = []
    for value in ids:
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_ID or "\x00" in value:
            raise ApiError(400, f"Each calendar id must be a non-empty string of at most {MAX_ID} characters.", field="calendar_ids")
        if value.strip() not in out:
            out.append(value.strip())
    return out


@bp.get("/calendars")
def list_calendars():
    return jsonify(choices.calendar_choices(g.user, g.org, google_token()))


@bp.put("/calendars/selection")
def choose_calendars():
    ids = calendar_ids(json_body())
    return jsonify(choices.choose_calendars(g.user, g.org, ids, google_token()))
