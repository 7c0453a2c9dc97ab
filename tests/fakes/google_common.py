"""What the fake Gmail and the fake Calendar share: Google's JSON errors and its token check.

- ``GoogleError`` answers in Google's JSON error shape (``{"error": {"code",
  "message", "errors": [{"message", "domain", "reason", ...}], "status"}}``,
  with ``details`` when Google sends them); ``invalid_credentials``,
  ``insufficient_scope``, ``not_found``, ``rate_limited`` and
  ``backend_error`` build the ones both APIs give, in Google's words;
  ``answer_errors_as_google`` makes a Flask app answer them (and unknown paths).
- ``Grant`` is what an access token may do: one account, a set of scopes
  (``scope`` takes short or full names), perhaps expired;
  ``authorised_grant`` checks a request's ``Authorization: Bearer`` header
  against ``state.grants`` as Google does, then raises any ``Failure`` the
  test injected that matches the call.

A fake's state needs ``grants`` (token -> Grant) and ``_injected(method, path)``
(the first matching ``Failure``'s error, counted down), as ``GmailState`` and
``CalendarState`` have. ``token_account`` names the account a request's token
belongs to, so the fakes can count calls per person (``account_calls``).
"""

import datetime
from dataclasses import dataclass

from flask import jsonify, request

SCOPE_PREFIX = "https://www.googleapis.com/auth/"

STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


def scope(name):
    """Accept a short scope name (``gmail.readonly``) or a full one."""
    return name if name.startswith("https://") else SCOPE_PREFIX + name


class GoogleError(Exception):
    """An error answered in Google's JSON shape."""

    def __init__(self, code, message, reason, domain="global", headers=None, details=None, status=None, **error_extra):
        super().__init__(message)
        self.status = status  # Google's status name when it is not the code's usual one (400 FAILED_PRECONDITION)
        self.code, self.message, self.reason, self.domain = code, message, reason, domain
        self.headers = headers or {}
        self.details = details
        self.error_extra = error_extra

    def body(self):
        error = {"message": self.message, "domain": self.domain, "reason": self.reason, **self.error_extra}
        body = {"code": self.code, "message": self.message, "errors": [error], "status": self.status or STATUS_NAMES.get(self.code, "UNKNOWN")}
        if self.details:
            body["details"] = self.details
        return {"error": body}


def invalid_credentials():
    return GoogleError(
        401,
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other "
        "valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
        "authError",
        location="Authorization",
        locationType="header",
        headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"'},
    )


def insufficient_scope(service="gmail.googleapis.com", method="caribou.api.proto.MailboxService.GetThread"):
    """Google's 403 for a token without the scope the call needs (``method`` names the call, as Google's details do)."""
    return GoogleError(
        403,
        "Request had insufficient authentication scopes.",
        "insufficientPermissions",
        headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", error="insufficient_scope"'},
        details=[
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                "domain": "googleapis.com",
                "metadata": {"service": service, "method": method},
            }
        ],
    )


def not_found():
    return GoogleError(404, "Requested entity was not found.", "notFound")


def rate_limited(retry_after=None):
    until = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=retry_after or 1)
    headers = {"Retry-After": str(retry_after)} if retry_after else {}
    return GoogleError(
        429,
        f"User-rate limit exceeded.  Retry after {until.strftime('%Y-%m-%dT%H:%M:%S.000Z')}",
        "rateLimitExceeded",
        domain="usageLimits",
        headers=headers,
    )


def backend_error():
    return GoogleError(500, "Backend Error", "backendError")


@dataclass
class Grant:
    mailbox: str
    scopes: frozenset
    expired: bool = False


@dataclass
class Failure:
    """An injected error for the next ``times`` calls matching ``method``/``path_contains``."""

    error: GoogleError
    times: int = 1
    method: str = None
    path_contains: str = None

    def matches(self, method, path):
        return (self.method is None or self.method == method) and (self.path_contains is None or self.path_contains in path)


class InjectedFailures:
    """``fail`` and ``_injected`` for a fake's state, which holds ``lock`` and a list ``failures``."""

    def fail(self, error, times=1, method=None, path_contains=None):
        """Answer the next ``times`` matching calls with ``error`` (a GoogleError)."""
        self.failures.append(Failure(error, times, method, path_contains))

    def _injected(self, method, path):
        with self.lock:
            for failure in self.failures:
                if failure.times > 0 and failure.matches(method, path):
                    failure.times -= 1
                    return failure.error
        return None


def answer_errors_as_google(app):
    """Make ``app`` answer GoogleError, and unknown paths, in Google's JSON error shape."""

    @app.errorhandler(GoogleError)
    def google_error(err):
        response = jsonify(err.body())
        response.status_code = err.code
        response.headers.update(err.headers)
        return response

    @app.errorhandler(404)
    def unknown_path(err):
        # Google's front end answers unknown paths with an HTML 404; JSON is easier to debug.
        return google_error(not_found())


def token_account(state, headers=None):
    """The account a request's Bearer token belongs to (live or not), or None: for counting calls per person."""
    headers = request.headers if headers is None else headers
    scheme, _, token = (headers.get("Authorization") or headers.get("authorization") or "").partition(" ")
    grant = state.grants.get(token.strip()) if scheme.lower() == "bearer" else None
    return grant.mailbox if grant is not None else None


def authorised_grant(state):
    """Return the request's Bearer token's live grant, or raise as Google does; then any injected failure."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    grant = state.grants.get(token.strip()) if scheme.lower() == "bearer" else None
    if grant is None or grant.expired:
        raise invalid_credentials()
    injected = state._injected(request.method, request.path)
    if injected is not None:
        raise injected
    return grant
