"""Call the Google Calendar API (v3) for one user: their primary calendar, another one they chose, their calendar list.

A thin wrapper over google-api-python-client:
``build("calendar", "v3", static_discovery=True, client_options={"api_endpoint": root + "calendar/v3/"})``.
Calendar's discovery document, unlike Gmail's, puts the version in its
``servicePath`` (``calendar/v3/``) and keeps method paths short
(``calendars/{calendarId}/events``); ``api_endpoint`` replaces root *and*
service path, so the endpoint handed over is ``GOOGLE_API_ROOT`` +
``calendar/v3/``, which is exactly what Google's own root serves.

Errors are ``GoogleApiError`` subclasses (``google.errors``), as for
Gmail; two matter to Calendar in particular:

- ``Gone`` (410): on ``events.list`` the sync token has expired and a full
  sync is needed; on ``events.delete`` the event was already deleted;
- ``PreconditionFailed`` (412): the event changed since the etag sent in ``If-Match``.
"""

import copy
import datetime

from googleapiclient.discovery import build

from threadbook.google.client import DEFAULT_TIMEOUT, GoogleClient
from threadbook.google.errors import GoogleApiError

CALENDAR_EVENTS = "https://www.googleapis.com/auth/calendar.events"
CALENDAR_FREEBUSY = "https://www.googleapis.com/auth/calendar.freebusy"
CALENDAR_FULL = "https://www.googleapis.com/auth/calendar"
# events.* need calendar.events; freebusy.query needs calendar.freebusy (calendar.events does not cover it).
CALENDAR_SCOPES = (CALENDAR_EVENTS, CALENDAR_FREEBUSY)
# calendarList.list (which calendars the user has) needs one of these; calendar.events does not cover it.
# Threadbook asks for the read-only list scope only when the user chooses calendars to sync.
CALENDAR_LIST_READONLY = "https://www.googleapis.com/auth/calendar.calendarlist.readonly"
CALENDAR_LIST_SCOPES = (CALENDAR_LIST_READONLY, CALENDAR_FULL, CALENDAR_FULL + ".readonly", CALENDAR_FULL + ".calendarlist")
PRIMARY = "primary"
BLUEBERRY = "9"  # the event colour id Google shows as "Blueberry"
PAGE_SIZE = 250  # Google's default; at most 2,500
LIST_PAGES = 20  # calendarList pages read at most (250 calendars a page)


def rfc3339(value):
    """Format a datetime (naive means UTC) as Google's RFC 3339 timestamp."""
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    return value.replace(microsecond=0).isoformat() + "Z"


def parse_rfc3339(value):
    """Parse an RFC 3339 timestamp into a naive UTC datetime."""
    parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(datetime.UTC).replace(tzinfo=None)
    return parsed


class Calendar(GoogleClient):
    """One user's Google Calendar (``calendar_id`` "primary" is the token's own calendar; ``on`` gives another).

    ``api_seconds`` adds up the time spent waiting on Google.
    """

    SERVICE = "Google Calendar"

    def __init__(self, credentials, api_root, calendar_id="primary", timeout=DEFAULT_TIMEOUT):
        super().__init__(credentials, timeout)
        self.calendar_id = calendar_id
        self._service = build(
            "calendar",
            "v3",
            http=self._http,
            static_discovery=True,
            cache_discovery=False,
            client_options={"api_endpoint": api_root.rstrip("/") + "/calendar/v3/"},
        )

    def on(self, calendar_id):
        """The same access on another of the user's calendars (None: the primary one)."""
        other = copy.copy(self)
        other.calendar_id = calendar_id or PRIMARY
        return other

    def list_calendars(self, min_access_role="reader"):
        """calendarList.list, every page: the calendars on the user's list they may at least read.

        Needs one of ``CALENDAR_LIST_SCOPES`` (InsufficientScope otherwise).
        """
        entries, page_token = [], None
        for _ in range(LIST_PAGES):
            kwargs = {"minAccessRole": min_access_role, "maxResults": 250}
            if page_token:
                kwargs["pageToken"] = page_token
            page = self._execute(self._service.calendarList().list(**kwargs))
            entries.extend(page.get("items") or [])
            page_token = page.get("nextPageToken")
            if not page_token:
                break
        return entries

    def list_events(self, sync_token=None, page_token=None, time_min=None, private_property=None, max_results=PAGE_SIZE):
        """events.list, one page: ``{"items", "nextPageToken" | "nextSyncToken"}``.

        Recurring events come as single instances (``singleEvents``), each a
        meeting of its own. With ``sync_token`` only changes since it are
        listed, deletions included (as ``status: cancelled``); ``Gone`` means
        the token expired. ``time_min`` bounds a full sync (Google forbids it
        beside a sync token), ``private_property`` (``name=value``) finds an
        event by its private extended property.
        """
        kwargs = {"calendarId": self.calendar_id, "singleEvents": True, "maxResults": max_results}
        if sync_token:
            kwargs["syncToken"] = sync_token
        else:
            if time_min is not None:
                kwargs["timeMin"] = rfc3339(time_min)
            if private_property:
                kwargs["privateExtendedProperty"] = private_property
        if page_token:
            kwargs["pageToken"] = page_token
        return self._execute(self._service.events().list(**kwargs))

    def get_event(self, event_id):
        """events.get (a deleted event answers with ``status: cancelled``)."""
        return self._execute(self._service.events().get(calendarId=self.calendar_id, eventId=event_id))

    def insert_event(self, body, send_updates="all"):
        """events.insert; ``send_updates`` "all" invites the attendees by mail, "none" does not."""
        return self._execute(self._service.events().insert(calendarId=self.calendar_id, body=body, sendUpdates=send_updates))

    def patch_event(self, event_id, body, etag=None, send_updates="all"):
        """events.patch; with ``etag`` it applies only if the event is unchanged (else PreconditionFailed)."""
        request = self._service.events().patch(calendarId=self.calendar_id, eventId=event_id, body=body, sendUpdates=send_updates)
        if etag:
            request.headers["If-Match"] = etag
        return self._execute(request)

    def delete_event(self, event_id, send_updates="all"):
        """events.delete: the event becomes ``cancelled`` (Gone when it already was)."""
        return self._execute(self._service.events().delete(calendarId=self.calendar_id, eventId=event_id, sendUpdates=send_updates))

    def busy(self, start, end):
        """freebusy.query for this calendar: [(start, end)] naive UTC datetimes when the user is busy."""
        body = {"timeMin": rfc3339(start), "timeMax": rfc3339(end), "items": [{"id": self.calendar_id}]}
        answer = self._execute(self._service.freebusy().query(body=body))
        calendar = (answer.get("calendars") or {}).get(self.calendar_id) or {}
        errors = calendar.get("errors") or []
        if errors:
            reason = errors[0].get("reason") or "unknown"
            status = 404 if reason == "notFound" else None
            # Named like every other Calendar failure, so the API's answer says "Google Calendar".
            raise GoogleApiError(f"Google could not read the calendar's busy times ({reason}).", status, reason).about(service=self.SERVICE)
        return [(parse_rfc3339(b["start"]), parse_rfc3339(b["end"])) for b in calendar.get("busy") or []]
