"""Refuse JSON nested deeper than any request needs, before the parser recurses into it.

Python's json module recurses once per level of arrays and objects, so a
body of 100,000 ``[`` raises RecursionError. That is no ValueError, so
``request.get_json`` (even ``silent=True``) let it through as a 500. The app's
JSON provider (``JSONProvider``, installed by ``create_app``) counts the
nesting first and answers 400, for ``api/params.json_body`` and for every
other ``request.get_json`` or ``request.json`` alike.
"""

import json
import re

import orjson
from flask.json.provider import DefaultJSONProvider

from threadbook.errors import ApiError

MAX_DEPTH = 64  # Threadbook's deepest body nests 3 levels; 64 leaves room and stays far from the recursion limit
# A JSON string (whose brackets do not count) or one bracket.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)


class JsonTooDeep(ApiError):
    """A JSON document nested deeper than MAX_DEPTH: a 400.

    An ApiError rather than a ValueError, so ``get_json(silent=True)`` cannot
    turn it into "not JSON" and the client reads what was wrong.
    """

    def __init__(self, limit=MAX_DEPTH):
        super().__init__(400, f"The JSON nests arrays and objects more than {limit} levels deep; no request to this API needs that many.")


def nests_deeper_than(data, limit=MAX_DEPTH):
    """Return True when the arrays and objects of JSON text (str or bytes) nest deeper than ``limit``."""
    if isinstance(data, (bytes, bytearray)):
        if data.count(b"[") + data.count(b"{") <= limit:
            return False
        data = bytes(data).decode(json.detect_encoding(data), errors="replace")
    elif data.count("[") + data.count("{") <= limit:
        return False  # fewer brackets than the limit cannot nest deeper: most bodies stop here
    depth = 0
    for match in _TOKEN.finditer(data):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > limit:
                return True
        elif token in "]}":
            depth -= 1
    return False


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing documents nested deeper than MAX_DEPTH with a 400 before parsing them.

    Answers are written with orjson, ten times faster than the json module on a
    lookup's 20 kB (bench/lookup_profile.py), with Flask's own ``default`` for
    what orjson leaves to it (dates as HTTP dates, Decimal, UUID, dataclasses,
    as before); anything orjson refuses (an integer beyond 64 bits) goes
    through the json module as before.
    """

    ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS

    def dumps(self, obj, **kwargs):
        if kwargs or self.sort_keys:
            return super().dumps(obj, **kwargs)
        try:
            return orjson.dumps(obj, default=self.default, option=self.ORJSON_OPTIONS).decode()
        except (orjson.JSONEncodeError, TypeError):
            return super().dumps(obj)

    def response(self, *args, **kwargs):
        obj = self._prepare_response_obj(args, kwargs)
        if (self.compact is None and self._app.debug) or self.compact is False:
            return super().response(obj)  # indented for people reading it in debug mode
        return self._app.response_class(self.dumps(obj) + "\n", mimetype=self.mimetype)

    def loads(self, s, **kwargs):
        if nests_deeper_than(s):
            raise JsonTooDeep()
        return super().loads(s, **kwargs)
