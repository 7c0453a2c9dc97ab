"""One error type and one JSON shape: ``{"error": code, "message": text}``.

Views raise ``ApiError`` (or its helpers); every HTTPException and any
unexpected exception is turned into the same shape, so a client never has to
parse HTML.
"""

import logging

from flask import jsonify, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "rate_limited",
    500: "internal_error",
    502: "bad_gateway",
    503: "unavailable",
}


class ApiError(Exception):
    """An error answered to the client as JSON."""

    def __init__(self, status, message, code=None, headers=None, **extra):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or CODES.get(status, "error")
        self.headers = headers or {}
        self.extra = extra


class QueueUnavailable(Exception):
    """The job queue's storage (Redis, or the SQLite queue file) did not answer: nothing was queued.

    jobs/queue.py raises it; it is answered 503 ``queue_unavailable`` here, the one place.
    """


QUEUE_UNAVAILABLE_MESSAGE = "The job queue (Redis) is not answering: nothing was queued; try again in a minute."
QUEUE_RETRY_AFTER_SECONDS = 60


def bad_request(message, **extra):
    return ApiError(400, message, **extra)


def not_found(what="record"):
    return ApiError(404, f"No such {what} in your organisation.")


def error_response(status, code, message, headers=None, **extra):
    body = {"error": code, "message": message}
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _no_such_route_message():
    """Say what is wrong with a path no route serves: an id that is not a number, or no such route at all."""
    from flask import current_app
    from werkzeug.exceptions import HTTPException as RoutingProblem

    adapter = current_app.url_map.bind("localhost")
    parts = request.path.split("/")
    for position, part in enumerate(parts):
        if not part or part.isdigit():
            continue
        trial = "/".join([*parts[:position], "1", *parts[position + 1 :]])
        try:
            adapter.match(trial, method=request.method)
        except RoutingProblem:
            continue
        except Exception:  # a redirect or anything else routing may raise: not this segment
            continue
        return f"'{part}' is not an id here: ids are whole numbers, as in {trial}."
    return f"There is no {request.method} {request.path}. The routes are listed at /api/v1/openapi.json."


def register_error_handlers(app):
    @app.errorhandler(ApiError)
    def handle_api_error(err):
        return error_response(err.status, err.code, err.message, err.headers, **err.extra)

    @app.errorhandler(QueueUnavailable)
    def handle_queue_unavailable(err):
        log.error("job queue unavailable: %s", err)
        return error_response(503, "queue_unavailable", QUEUE_UNAVAILABLE_MESSAGE, {"Retry-After": str(QUEUE_RETRY_AFTER_SECONDS)})

    @app.errorhandler(HTTPException)
    def handle_http_exception(err):
        status = err.code or 500
        message = err.description or err.name
        if status == 404 and request.url_rule is None:
            message = _no_such_route_message()
        if status == 413:
            limit = app.config.get("MAX_CONTENT_LENGTH")
            message = f"The request body is larger than the {limit} bytes this server accepts."
        if status == 429:
            message = f"Too many requests ({err.description}). Wait and try again."
        headers = {}
        if status == 405 and getattr(err, "valid_methods", None):
            headers["Allow"] = ", ".join(err.valid_methods)
        response = err.get_response()
        retry_after = response.headers.get("Retry-After")
        if retry_after:
            headers["Retry-After"] = retry_after
        return error_response(status, CODES.get(status, "error"), message, headers)

    @app.errorhandler(Exception)
    def handle_unexpected(err):
        log.exception("unhandled error")
        return error_response(500, "internal_error", "Something went wrong on the server; it has been logged.")
