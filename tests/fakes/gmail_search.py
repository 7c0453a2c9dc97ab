"""The part of Gmail's search syntax (users.messages.list ``q``) that mail sync uses.

``_query_matcher(query)`` compiles ``after:``, ``before:``, ``newer_than:``,
``older_than:``, ``in:``, ``-in:chats`` and ``rfc822msgid:`` (the Message-ID
header, with or without its angle brackets; live reads of no-copy mode) into a predicate on a message
resource (``matcher.anywhere`` is true for ``in:anywhere``, which lets
messages.list reach spam and trash); any other term is a 400 in Google's shape.
"""

import datetime
import time

from .gmail_messages import _header
from .google_common import GoogleError


def _bare_id(value):
    """A Message-ID as Gmail's search compares it: without the angle brackets."""
    return value.strip().removeprefix("<").removesuffix(">")


def _gmail_date(value):
    """Parse a search date: epoch seconds, or YYYY/MM/DD (midnight, taken as UTC here)."""
    if value.isdigit():
        return int(value)
    year, month, day = (int(part) for part in value.replace("-", "/").split("/"))
    return int(datetime.datetime(year, month, day, tzinfo=datetime.UTC).timestamp())


_UNIT_SECONDS = {"d": 86400, "m": 30 * 86400, "y": 365 * 86400}


def _query_matcher(query):
    """Compile the part of Gmail's search syntax sync uses: after:, before:, newer_than:, older_than:, in:, -in:chats."""
    tests = []
    anywhere = False
    for token in (query or "").split():
        key, _, value = token.partition(":")
        key = key.lower()
        try:
            if key == "after":
                bound = _gmail_date(value)
                tests.append(lambda m, b=bound: int(m["internalDate"]) // 1000 >= b)
            elif key == "before":
                bound = _gmail_date(value)
                tests.append(lambda m, b=bound: int(m["internalDate"]) // 1000 < b)
            elif key in ("newer_than", "older_than"):
                bound = time.time() - int(value[:-1]) * _UNIT_SECONDS[value[-1].lower()]
                newer = key == "newer_than"
                tests.append(lambda m, b=bound, n=newer: (int(m["internalDate"]) / 1000 >= b) == n)
            elif key == "in" and value.lower() == "anywhere":
                anywhere = True
            elif key == "in":
                label = value.upper()
                tests.append(lambda m, label=label: label in m["labelIds"])
            elif key == "-in" and value.lower() == "chats":
                tests.append(lambda m: "CHAT" not in m["labelIds"])
            elif key == "rfc822msgid" and _bare_id(value):
                wanted = _bare_id(value)
                tests.append(lambda m, w=wanted: _bare_id(_header(m, "Message-ID") or "") == w)
            else:
                raise ValueError(token)
        except (ValueError, KeyError, IndexError):
            raise GoogleError(
                400, f"Invalid query (the fake understands after:, before:, newer_than:, older_than:, in:, rfc822msgid:): {token}", "invalidArgument"
            ) from None

    def matcher(message):
        return all(test(message) for test in tests)

    matcher.anywhere = anywhere
    return matcher
