"""The API's one answer to Google's failures, and its one reader of ``X-Google-Access-Token``.

Without a Google OAuth client (``GOOGLE_CLIENT_ID``: development sign-in only),
what needs Google answers 503 ``google_not_configured``, "Google isn't set up
on this backend: see docs/google-setup.md", rather than asking for a token.

Services let ``GoogleApiError`` propagate; ``register`` installs the handler
that turns it into a JSON error the person can act on: reconnect (401), allow
more access (403), the thing is gone (404), Google refused (422), or try again
(503 with Retry-After). The error names its service ("Gmail", "Google
Calendar") and, where the service said, what was asked for.
"""

import re

from flask import current_app, request

from threadbook.errors import ApiError, error_response
from threadbook.google import errors as google_errors

TOKEN_HEADER = "X-Google-Access-Token"
MAX_TOKEN = 4096
_TOKEN = re.compile(r"^[\x21-\x7e]+$")  # printable ASCII, as OAuth bearer tokens are

# What the missing permission stops, per service: the 403's advice.
_SCOPE_ADVICE = {
    "Gmail": "The Google access token does not allow reading this mail. Reconnect Google and grant Gmail read access.",
    "Gmail sending": "The Google access token may not send mail. Reconnect Google and allow Threadbook to send as you.",
    "Google Calendar": "The Google access does not include your calendar. Connect Google again and allow calendar access.",
}
_NOT_FOUND = {
    "Gmail": "Gmail has no {subject} in your mailbox.",
    "Google Calendar": "Google Calendar has no such event in your calendar any more; sync your calendar.",
}


def google_configured(config=None):
    """True when this backend has a Google OAuth client id (GOOGLE_CLIENT_ID); without one only development sign-in works."""
    return bool((current_app.config if config is None else config).get("GOOGLE_CLIENT_IDS"))


def not_configured():
    """The answer for something that needs Google on a backend where Google isn't set up."""
    return ApiError(503, google_errors.NOT_CONFIGURED, code="google_not_configured")


def google_token(required=False):
    """The caller's Google access token from ``X-Google-Access-Token``, or None; 400 when malformed (or missing and required).

    Missing and required on a backend without Google: 503 ``google_not_configured``.
    """
    token = request.headers.get(TOKEN_HEADER, "").strip()
    if not token:
        if required and not google_configured():
            raise not_configured()
        if required:
            raise ApiError(
                400,
                f"Threadbook reads this from Gmail with your Google access, and none came with the request: sign in with Google again "
                f"(the extension sends it in '{TOKEN_HEADER}').",
                code="google_token_required",
            )
        return None
    if len(token) > MAX_TOKEN or not _TOKEN.match(token):
        raise ApiError(400, f"The '{TOKEN_HEADER}' header does not hold an OAuth access token.", code="google_token_required")
    return token


def token_header_doc(description, required=False):
    """The OpenAPI description of the ``X-Google-Access-Token`` header, for the routes that read it."""
    schema = {"type": "string", "minLength": 1} if required else {"type": "string"}
    return {"name": TOKEN_HEADER, "in": "header", "required": required, "schema": schema, "description": description}


def answer(exc):
    """The ApiError for a GoogleApiError."""
    service = exc.service
    if isinstance(exc, google_errors.ReauthRequired):
        return ApiError(401, "Google refused the access (expired or revoked). Reconnect Google in Threadbook and try again.", code="google_reauth_required")
    if isinstance(exc, google_errors.InsufficientScope):
        advice = _SCOPE_ADVICE.get(service, f"The Google access does not allow this {service} request. Connect Google again and allow it.")
        return ApiError(403, advice, code="google_scope_required")
    if isinstance(exc, google_errors.NotFound):
        message = _NOT_FOUND.get(service, "{service} has no {subject}.").format(service=service, subject=exc.subject or "such record")
        return ApiError(404, message, code="not_found")
    if isinstance(exc, google_errors.RateLimited):
        retry = exc.retry_after or 5
        return ApiError(
            503, f"{service} is rate-limiting your account; try again in {retry} seconds.", code="google_rate_limited", headers={"Retry-After": str(retry)}
        )
    if exc.status and 400 <= exc.status < 500:
        return ApiError(422, f"{service} refused this ({exc.message[:300]}).", code="google_refused")
    retry = exc.retry_after or 5
    return ApiError(
        503, f"{service} did not answer properly ({exc.message[:200]}); try again shortly.", code="google_unavailable", headers={"Retry-After": str(retry)}
    )


def register(bp):
    """Answer every GoogleApiError a view of ``bp`` (or of its children) lets through."""

    @bp.errorhandler(google_errors.GoogleApiError)
    def handle_google_error(exc):
        err = answer(exc)
        return error_response(err.status, err.code, err.message, err.headers, **err.extra)
