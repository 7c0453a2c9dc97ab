"""Google's API errors, turned into a few exceptions every caller can act on.

``translate_http_error`` reads a googleapiclient ``HttpError`` (status, and the
reasons in Google's JSON error body) and returns one of:

- ``ReauthRequired``: the token is expired or revoked (401), or could not be refreshed;
- ``InsufficientScope``: the token lacks the scope the call needs (403);
- ``NotFound``: no such thread, message, label or event (404; Gmail's 400 "Invalid id" too);
- ``RateLimited``: quota exceeded (429, or 403 with a rate-limit reason), with ``retry_after`` seconds;
- ``Conflict``: 409;
- ``Gone``: 410 (Calendar: an expired sync token, or an event already deleted);
- ``PreconditionFailed``: 412 (Calendar: the etag sent in ``If-Match`` no longer matches);
- ``Unavailable``: Google failed (5xx) or could not be reached;
- ``GoogleApiError`` itself, the base of all of them, for anything else.
"""

import datetime
import email.utils
import json
import re

DEFAULT_RETRY_AFTER = 30
# What every answer that needs Google says when this backend has no OAuth client (GOOGLE_CLIENT_ID): error code
# ``google_not_configured``, status 503 (as sign-in without a client always answered).
NOT_CONFIGURED = "Google isn't set up on this backend (GOOGLE_CLIENT_ID is not set): see docs/google-setup.md."
RATE_LIMIT_REASONS = {"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded", "dailyLimitExceeded"}
SCOPE_REASONS = {"insufficientPermissions", "ACCESS_TOKEN_SCOPE_INSUFFICIENT"}
_RETRY_AFTER_IN_MESSAGE = re.compile(r"Retry after (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)")


class GoogleApiError(Exception):
    """A Google API refused or failed a call; ``status`` and ``reason`` are Google's.

    ``service`` names the API in messages to the person ("Gmail", "Google
    Calendar"); ``subject`` optionally names what was asked for ("thread 18c2…"),
    so the API's one answer for these errors can say what was not found.
    """

    service = "Google"
    subject = None

    def __init__(self, message, status=None, reason=None, retry_after=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.reason = reason
        self.retry_after = retry_after

    def about(self, service=None, subject=None):
        """Name the service and the thing asked for; returns self, to ``raise err.about(...)``."""
        if service:
            self.service = service
        if subject:
            self.subject = subject
        return self


class ReauthRequired(GoogleApiError):
    pass


class InsufficientScope(GoogleApiError):
    pass


class NotFound(GoogleApiError):
    pass


class RateLimited(GoogleApiError):
    pass


class Conflict(GoogleApiError):
    pass


class Gone(GoogleApiError):
    """410: an expired sync token (events.list), or an event already deleted (events.delete)."""


class PreconditionFailed(GoogleApiError):
    """412: the event's etag no longer matches ``If-Match``: it changed in Google meanwhile."""


class Unavailable(GoogleApiError):
    pass


def _retry_after_seconds(error, message):
    header = error.resp.get("retry-after") if error.resp is not None else None
    if header:
        try:
            return max(1, int(header))
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(header)
                return max(1, int((when - datetime.datetime.now(datetime.UTC)).total_seconds()))
            except (TypeError, ValueError):
                pass
    match = _RETRY_AFTER_IN_MESSAGE.search(message or "")
    if match:
        when = datetime.datetime.strptime(match.group(1).split(".")[0].rstrip("Z"), "%Y-%m-%dT%H:%M:%S")
        delta = when.replace(tzinfo=datetime.UTC) - datetime.datetime.now(datetime.UTC)
        return max(1, int(delta.total_seconds()) + 1)
    return DEFAULT_RETRY_AFTER


def translate_http_error(error):
    """Return the GoogleApiError for a googleapiclient HttpError."""
    status = error.resp.status
    message, reasons = str(error.reason or ""), set()
    try:
        body = json.loads(error.content.decode("utf-8"))["error"]
        message = body.get("message", message)
        reasons.update(e.get("reason") for e in body.get("errors") or [] if isinstance(e, dict))
        reasons.update(d.get("reason") for d in body.get("details") or [] if isinstance(d, dict))
        if body.get("status"):
            reasons.add(body["status"])
    except (ValueError, KeyError, TypeError, AttributeError):
        pass
    reason = next((r for r in reasons if r), None)
    if status == 401:
        return ReauthRequired(message, status, reason)
    if status == 429 or (status == 403 and reasons & RATE_LIMIT_REASONS):
        return RateLimited(message, status, reason, _retry_after_seconds(error, message))
    if status == 403 and (reasons & SCOPE_REASONS or "scope" in message.lower()):
        return InsufficientScope(message, status, reason)
    if status == 404 or (status == 400 and "invalid id" in message.lower()):
        return NotFound(message, status, reason)
    if status == 409:
        return Conflict(message, status, reason)
    if status == 410:
        return Gone(message, status, reason)
    if status == 412:
        return PreconditionFailed(message, status, reason)
    if status >= 500:
        return Unavailable(message, status, reason, DEFAULT_RETRY_AFTER)
    return GoogleApiError(message, status, reason)
