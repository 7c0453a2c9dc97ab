"""Read and check request input; every failure is a 400 a person can act on."""

import datetime
import re

from flask import request

from threadbook.api.body_fields import check_known_fields
from threadbook.errors import ApiError

# What a database integer column holds (BIGINT); a larger value is an OverflowError in SQLite, an error in PostgreSQL.
DB_INT_MIN, DB_INT_MAX = -(2**63), 2**63 - 1
# ASCII digits only: int() would also take ' 7 ', '1_000' and other scripts' digits ('١٢').
_INTEGER_TEXT = re.compile(r"-?[0-9]{1,40}")


def json_body():
    """Return the request's JSON object, or raise 400 saying what is wrong."""
    # content_length too: Werkzeug leaves request.data empty for form bodies, which must not pass as {}.
    if not request.data and not request.content_length:
        return {}
    limit = request.max_content_length
    if request.content_length is None and limit and len(request.data) >= limit:
        # A chunked body is cut at the limit as it is read: refuse it rather than parse the truncated part.
        raise ApiError(413, f"The request body is larger than the {limit} bytes this server accepts.")
    if not request.is_json:
        raise ApiError(415, "Send the body as JSON with 'Content-Type: application/json'.")
    body = request.get_json(silent=True)
    if body is None:
        raise ApiError(400, "The body is not valid JSON.")
    if not isinstance(body, dict):
        raise ApiError(400, "The body must be a JSON object.")
    check_known_fields(body)
    return body


def consent_answer():
    """(code, state, redirect_uri) from the body of an OAuth consent's finish call (Gmail, a mailbox switch, Google Tasks)."""
    body = json_body()
    return (
        string(body, "code", required=True, max_length=2000),
        string(body, "state", required=True, max_length=4000),
        string(body, "redirect_uri", required=True, max_length=500),
    )


def string(body, name, required=False, max_length=1000, default=None, strip=True):
    """Return body[name] as a string, checked for type and length."""
    value = body.get(name)
    if value is None or (isinstance(value, str) and not value.strip() and required):
        if required:
            raise ApiError(400, f"'{name}' is required.", field=name)
        return default
    if not isinstance(value, str):
        raise ApiError(400, f"'{name}' must be a string.", field=name)
    if strip:
        value = value.strip()
    if len(value) > max_length:
        raise ApiError(400, f"'{name}' is longer than {max_length} characters.", field=name)
    check_storable(value, f"'{name}'", field=name)
    return value


def check_storable(value, what, **extra):
    """Refuse text a database cannot store: NUL characters (PostgreSQL) and lone surrogates (both)."""
    if "\x00" in value:
        raise ApiError(400, f"{what} must not contain NUL characters.", **extra)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ApiError(400, f"{what} is not valid Unicode text.", **extra) from None


def integer(body, name, required=False, minimum=DB_INT_MIN, maximum=DB_INT_MAX, default=None):
    """Return body[name] as an int within [minimum, maximum] (a database integer by default)."""
    value = body.get(name)
    if value is None:
        if required:
            raise ApiError(400, f"'{name}' is required.", field=name)
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError(400, f"'{name}' must be an integer.", field=name)
    _check_range(value, f"'{name}'", minimum, maximum, field=name)
    return value


def _check_range(value, what, minimum, maximum, **extra):
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ApiError(400, f"{what} must be {_range_text(minimum, maximum)}.", **extra)


def _range_text(minimum, maximum):
    if minimum is None:
        return f"at most {maximum}"
    if maximum is None:
        return f"at least {minimum}"
    return f"between {minimum} and {maximum}"


def boolean(body, name, default=None):
    value = body.get(name, default)
    if value is not None and not isinstance(value, bool):
        raise ApiError(400, f"'{name}' must be true or false.", field=name)
    return value


def choice(body, name, choices, required=False, default=None):
    value = body.get(name, default)
    if value is not None and not isinstance(value, str):
        raise ApiError(400, f"'{name}' must be one of: {', '.join(choices)}.", field=name)
    value = string(body, name, required=required, default=default)
    if value is not None and value not in choices:
        raise ApiError(400, f"'{name}' must be one of: {', '.join(choices)}.", field=name)
    return value


def date(body, name, required=False):
    value = string(body, name, required=required)
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ApiError(400, f"'{name}' must be a date like 2026-01-31.", field=name) from None


def query_int(name, default, minimum=1, maximum=DB_INT_MAX):
    """Return query parameter ``name`` as an int within [minimum, maximum] (a database integer by default), or ``default``."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    what = f"Query parameter '{name}'"
    if not _INTEGER_TEXT.fullmatch(raw):
        if raw.lstrip("-").isascii() and raw.lstrip("-").isdigit():
            raise ApiError(400, f"{what} must be {_range_text(minimum, maximum)}.", field=name)  # too many digits to be in range
        raise ApiError(400, f"{what} must be an integer.", field=name)
    value = int(raw)
    _check_range(value, what, minimum, maximum, field=name)
    return value


def check_query_ids():
    """Refuse, for every route, an id in the query string (``id``, ``*_id``) that no database integer holds.

    The ``<int:>`` converter does the same for ids in paths (app.py); a view
    that passes a query id to the database unchecked would otherwise fail
    with OverflowError (SQLite) or "out of range" (PostgreSQL): a 500.
    Values that are not digits at all are left to the view to refuse.
    """
    for name, value in request.args.items(multi=True):
        if (name == "id" or name.endswith("_id")) and value.isdigit():
            if not value.isascii() or len(value) > 19 or int(value) > DB_INT_MAX:  # isdigit() also takes '²' and '١٢'
                raise ApiError(400, f"Query parameter '{name}' must be an id between 1 and {DB_INT_MAX}.", field=name)
