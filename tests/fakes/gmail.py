"""A fake Gmail REST API (v1) for tests: Flask app over an in-memory state.

It answers the paths google-api-python-client builds from
``GOOGLE_API_ROOT`` (``<root>gmail/v1/users/{userId}/...``) in Google's JSON
shapes, including errors (``{"error": {"code", "message", "status",
"errors": [...]}}``). Access tokens map to one mailbox and a set of scopes, so
tests can play an expired token, a token without the labels scope, or a
metadata-only token.

Extending it (messages.list, history.list for mail sync): every change goes
through ``FakeMailbox._record`` which bumps ``history_id`` and appends a
history record, and ``FakeMailbox.messages`` keeps insertion order, so list
and history endpoints are a few lines each. Add routes in ``create_app``
with ``@route(...)``, which checks the token and scope and counts the call.

    state = GmailState()
    box = state.add_mailbox("rep@acme.example")
    state.grant("token-1", "rep@acme.example")
    msg = box.add_message(sender="Ada <ada@ext.example>", to=["rep@acme.example"], subject="Hi")
    with ServerThread(create_app(state)) as server:
        ...  # GOOGLE_API_ROOT = server.url + "/"
"""

import base64
import bisect
import contextlib
import datetime
import email.parser
import email.utils
import functools
import html
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from flask import Flask, g, jsonify, request

SCOPE_PREFIX = "https://www.googleapis.com/auth/"
FULL = "https://mail.google.com/"
READONLY = SCOPE_PREFIX + "gmail.readonly"
METADATA = SCOPE_PREFIX + "gmail.metadata"
MODIFY = SCOPE_PREFIX + "gmail.modify"
LABELS = SCOPE_PREFIX + "gmail.labels"
SEND = SCOPE_PREFIX + "gmail.send"
COMPOSE = SCOPE_PREFIX + "gmail.compose"
SEND_SCOPES = {FULL, MODIFY, COMPOSE, SEND}
READ_SCOPES = {FULL, READONLY, METADATA, MODIFY}
SYSTEM_LABELS = ["INBOX", "SENT", "DRAFT", "SPAM", "TRASH", "UNREAD", "STARRED", "IMPORTANT", "CHAT"]
FORMATS = ("minimal", "metadata", "full", "raw")

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


def _b64(text):
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


class GoogleError(Exception):
    """An error answered in Google's JSON shape."""

    def __init__(self, code, message, reason, domain="global", headers=None, details=None, **error_extra):
        super().__init__(message)
        self.code, self.message, self.reason, self.domain = code, message, reason, domain
        self.headers = headers or {}
        self.details = details
        self.error_extra = error_extra

    def body(self):
        error = {"message": self.message, "domain": self.domain, "reason": self.reason, **self.error_extra}
        body = {"code": self.code, "message": self.message, "errors": [error], "status": STATUS_NAMES.get(self.code, "UNKNOWN")}
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


def insufficient_scope():
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
                "metadata": {"service": "gmail.googleapis.com", "method": "caribou.api.proto.MailboxService.GetThread"},
            }
        ],
    )


def not_found():
    return GoogleError(404, "Requested entity was not found.", "notFound")


def rate_limited(retry_after=None):
    until = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=retry_after or 1)
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


@dataclass
class FakeMailbox:
    address: str
    messages: dict = field(default_factory=dict)  # id -> message resource (format=full), insertion order
    threads: dict = field(default_factory=dict)  # thread id -> [message ids], oldest first
    labels: dict = field(default_factory=dict)  # id -> label resource
    history_id: int = 1000
    history: list = field(default_factory=list)  # {"id", "messagesAdded"|"labelsAdded"|...}
    _ids: itertools.count = field(default_factory=lambda: itertools.count(0x18C2A0F5B7E40001))
    _label_ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self):
        for name in SYSTEM_LABELS:
            self.labels[name] = {"id": name, "name": name, "type": "system"}

    def _record(self, **change):
        """Bump the history id and remember what changed (for a future history.list)."""
        self.history_id += 1
        self.history.append({"id": str(self.history_id), **change})
        return self.history_id

    def new_id(self):
        return format(next(self._ids), "x")

    def add_message(
        self,
        sender,
        to=(),
        cc=(),
        subject="",
        body="Hello",
        html_body=None,
        thread_id=None,
        date=None,
        message_id=None,
        in_reply_to=None,
        references=None,
        label_ids=("INBOX",),
        extra_headers=(),
    ):
        """Add a message (to ``thread_id``, or a new thread) and return its resource."""
        gid = self.new_id()
        thread_id = thread_id or gid
        date = date or datetime.datetime(2026, 1, 5, 9, 30, tzinfo=datetime.timezone.utc) + datetime.timedelta(
            minutes=len(self.messages)
        )
        if message_id is None:
            message_id = f"<{gid}.fake@mail.gmail.com>"
        headers = [
            ("MIME-Version", "1.0"),
            ("Date", email.utils.format_datetime(date)),
            ("Message-ID", message_id),
            ("Subject", subject),
            ("From", sender),
        ]
        if to:
            headers.append(("To", ", ".join(to)))
        if cc:
            headers.append(("Cc", ", ".join(cc)))
        if in_reply_to:
            headers.append(("In-Reply-To", in_reply_to))
        if references:
            headers.append(("References", references))
        headers.extend(extra_headers)
        text_part = {"mimeType": "text/plain", "filename": "", "body": {"size": len(body.encode()), "data": _b64(body)}}
        if html_body is None:
            payload = {"partId": "", **text_part, "headers": []}
            headers.append(("Content-Type", 'text/plain; charset="UTF-8"'))
        else:
            html_part = {"mimeType": "text/html", "filename": "", "body": {"size": len(html_body.encode()), "data": _b64(html_body)}}
            payload = {
                "partId": "",
                "mimeType": "multipart/alternative",
                "filename": "",
                "headers": [],
                "body": {"size": 0},
                "parts": [
                    {"partId": "0", "headers": [{"name": "Content-Type", "value": 'text/plain; charset="UTF-8"'}], **text_part},
                    {"partId": "1", "headers": [{"name": "Content-Type", "value": 'text/html; charset="UTF-8"'}], **html_part},
                ],
            }
            headers.append(("Content-Type", 'multipart/alternative; boundary="000000000000fake"'))
        payload["headers"] = [{"name": n, "value": v} for n, v in headers] + payload["headers"]
        history_id = self._record(messagesAdded=[{"message": {"id": gid, "threadId": thread_id, "labelIds": list(label_ids)}}])
        message = {
            "id": gid,
            "threadId": thread_id,
            "labelIds": list(label_ids),
            # Gmail's snippet is plain text with HTML entities escaped.
            "snippet": html.escape(" ".join(body.split())[:200]),
            "sizeEstimate": 512 + len(body),
            "historyId": str(history_id),
            "internalDate": str(int(date.timestamp() * 1000)),
            "payload": payload,
        }
        self.messages[gid] = message
        self.threads.setdefault(thread_id, []).append(gid)
        return message

    def add_thread(self, count, sender="Ada Lovelace <ada@acme.example>", to=None, subject="Proposal", **kwargs):
        """Add a thread of ``count`` messages alternating between sender and mailbox; return its id."""
        to = list(to or [self.address])
        first = self.add_message(sender=sender, to=to, subject=subject, **kwargs)
        previous = first
        for n in range(1, count):
            mid = _header(previous, "Message-ID")
            forward = n % 2 == 0
            previous = self.add_message(
                sender=sender if forward else self.address,
                to=to if forward else [sender],
                subject=("Re: " + subject),
                thread_id=first["threadId"],
                in_reply_to=mid,
                references=mid,
                body=f"Message {n + 1} of the thread.",
            )
        return first["threadId"]

    # -- users.messages.send --------------------------------------------------
    def send_raw(self, raw, thread_id=None):
        """Take an RFC 822 message as users.messages.send does; return the sent message resource.

        As Gmail: the mailbox's own address is the sender, the Message-ID is
        Gmail's own, the message joins ``thread_id`` only when the subjects
        match (else it starts a thread; an unknown thread id is 404), and it
        is labelled SENT. ``sent`` keeps (raw bytes, thread id asked) in order.
        """
        asked = thread_id
        parsed = email.parser.BytesParser().parsebytes(raw)
        if not parsed.get("To") and not parsed.get("Cc") and not parsed.get("Bcc"):
            raise GoogleError(400, "Invalid To header", "invalidArgument")
        if thread_id is not None:
            if thread_id not in self.threads:
                raise not_found()
            first = self.messages[self.threads[thread_id][0]]
            if _thread_subject(_header(first, "Subject") or "") != _thread_subject(str(parsed.get("Subject") or "")):
                thread_id = None
        gid = self.new_id()
        thread_id = thread_id or gid
        del parsed["Message-ID"]
        parsed["Message-ID"] = f"<CA+{gid}.fake@mail.gmail.com>"
        _, sender = email.utils.parseaddr(str(parsed.get("From") or ""))
        if sender.lower() != self.address.lower():
            del parsed["From"]
            parsed["From"] = self.address
        payload = _payload_of(parsed, gid)
        text = _first_text(payload)
        history_id = self._record(messagesAdded=[{"message": {"id": gid, "threadId": thread_id, "labelIds": ["SENT"]}}])
        message = {
            "id": gid,
            "threadId": thread_id,
            "labelIds": ["SENT"],
            "snippet": html.escape(" ".join(text.split())[:200]),
            "sizeEstimate": len(raw),
            "historyId": str(history_id),
            "internalDate": str(int(time.time() * 1000)),
            "payload": payload,
        }
        self.messages[gid] = message
        self.threads.setdefault(thread_id, []).append(gid)
        self.sent = getattr(self, "sent", [])
        self.sent.append((raw, asked))
        return message

    def label_by_name(self, name):
        return next((label for label in self.labels.values() if label["name"] == name), None)

    def create_label(self, name):
        label = {
            "id": f"Label_{next(self._label_ids)}",
            "name": name,
            "type": "user",
            "labelListVisibility": "labelShow",
            "messageListVisibility": "show",
        }
        self.labels[label["id"]] = label
        self._record(labelCreated=label["id"])
        return label

    def thread_labels(self, thread_id):
        """The union of label ids on the thread's messages."""
        ids = set()
        for gid in self.threads.get(thread_id, []):
            ids.update(self.messages[gid]["labelIds"])
        return ids

    # -- mail sync: deletions, relabelling, history and listing (users.history.list, users.messages.list)
    def delete_message(self, gid):
        """Delete a message for good (as users.messages.delete), recording messagesDeleted."""
        message = self.messages.pop(gid)
        ids = self.threads.get(message["threadId"], [])
        if gid in ids:
            ids.remove(gid)
        if not ids:
            self.threads.pop(message["threadId"], None)
        self._record(messagesDeleted=[{"message": _history_message(message)}])

    def modify_message(self, gid, add=(), remove=()):
        """Add and remove labels on one message, recording labelsAdded/labelsRemoved."""
        message = self.messages[gid]
        labels = message["labelIds"]
        added = [label for label in add if label not in labels]
        removed = [label for label in remove if label in labels]
        labels[:] = [label for label in labels if label not in removed] + added
        change = {}
        if added:
            change["labelsAdded"] = [{"message": _history_message(message), "labelIds": added}]
        if removed:
            change["labelsRemoved"] = [{"message": _history_message(message), "labelIds": removed}]
        if change:
            message["historyId"] = str(self._record(**change))
        return message

    def forget_history(self):
        """Drop the history so far, as Gmail does after about a week: older start ids answer 404."""
        self.history_floor = self.history_id
        self.history.clear()

    def history_page(self, start, types=None, label_id=None, max_results=100, after=None):
        """Return (records in Google's shape, next page token) for history after ``start``."""
        if start < getattr(self, "history_floor", 0):
            raise not_found()
        wanted = {_HISTORY_TYPES[t] for t in types} if types else set(_HISTORY_TYPES.values())
        records, next_token = [], None
        # Records are in id order: skip to the first one after the start (or the page token).
        first = bisect.bisect_right(self.history, max(start, after or 0), key=lambda raw: int(raw["id"]))
        for raw in itertools.islice(self.history, first, None):
            record = self._google_history_record(raw, wanted, label_id)
            if record is None:
                continue
            if len(records) == max_results:
                next_token = _b64(f"h:{records[-1]['id']}")
                break
            records.append(record)
        return records, next_token

    def _google_history_record(self, raw, wanted, label_id):
        record = {"id": raw["id"], "messages": []}
        for kind in ("messagesAdded", "messagesDeleted", "labelsAdded", "labelsRemoved"):
            entries = []
            for entry in raw.get(kind) or []:
                if "message" in entry:
                    entries.append(entry)
                    continue
                # threads.modify records one entry per thread; Google reports each message.
                if entry.get("labelIds"):
                    for gid in self.threads.get(entry.get("threadId"), []):
                        entries.append({"message": _history_message(self.messages[gid]), "labelIds": list(entry["labelIds"])})
            if label_id:
                entries = [e for e in entries if label_id in e["message"].get("labelIds", []) or label_id in e.get("labelIds", [])]
            if entries and kind in wanted:
                record[kind] = entries
                record["messages"].extend({"id": e["message"]["id"], "threadId": e["message"]["threadId"]} for e in entries)
        return record if len(record) > 2 else None

    def list_messages(self, query="", label_ids=(), include_spam_trash=False, before=None, limit=None):
        """Return the messages users.messages.list would, newest first.

        ``before`` is a (internalDate, id) position from a page token: only older
        messages are returned; ``limit`` stops the walk early.
        """
        matches = _query_matcher(query)
        order = self._newest_first()
        start = 0
        if before is not None:
            start = bisect.bisect_right(order, (-before[0], -before[1]), key=_newest_first_key)
        selected = []
        for message in itertools.islice(order, start, None):
            labels = message["labelIds"]
            if not include_spam_trash and not matches.anywhere and ("SPAM" in labels or "TRASH" in labels):
                continue
            if label_ids and not set(label_ids) <= set(labels):
                continue
            if matches(message):
                selected.append(message)
                if limit is not None and len(selected) >= limit:
                    break
        return selected

    def _newest_first(self):
        """The messages newest first, sorted again only when messages were added or deleted."""
        key = (len(self.messages), next(reversed(self.messages), None))
        cached = getattr(self, "_sorted_cache", None)
        if cached is None or cached[0] != key:
            order = sorted(self.messages.values(), key=_newest_first_key)
            cached = self._sorted_cache = (key, order)
        return cached[1]


def _header(message, name):
    return next((h["value"] for h in message["payload"]["headers"] if h["name"].lower() == name.lower()), None)


_MESSAGE_GET = re.compile(r"^/gmail/v1/users/([^/]+)/messages/([0-9a-fA-F]+)$")
_HISTORY_TYPES = {"messageAdded": "messagesAdded", "messageDeleted": "messagesDeleted", "labelAdded": "labelsAdded", "labelRemoved": "labelsRemoved"}


def _newest_first_key(message):
    return (-int(message["internalDate"]), -int(message["id"], 16))


def _history_message(message):
    return {"id": message["id"], "threadId": message["threadId"], "labelIds": list(message["labelIds"])}


def _gmail_date(value):
    """Parse a search date: epoch seconds, or YYYY/MM/DD (midnight, taken as UTC here)."""
    if value.isdigit():
        return int(value)
    year, month, day = (int(part) for part in value.replace("-", "/").split("/"))
    return int(datetime.datetime(year, month, day, tzinfo=datetime.timezone.utc).timestamp())


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
            else:
                raise ValueError(token)
        except (ValueError, KeyError, IndexError):
            raise GoogleError(400, f"Invalid query (the fake understands after:, before:, newer_than:, older_than:, in:): {token}", "invalidArgument")

    def matcher(message):
        return all(test(message) for test in tests)

    matcher.anywhere = anywhere
    return matcher


def _page_token(value):
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raise GoogleError(400, "Invalid pageToken", "invalidArgument")


def _max_results(default, maximum=500):
    try:
        value = int(request.args.get("maxResults", default))
    except ValueError:
        raise GoogleError(400, "Invalid value for maxResults", "invalidArgument")
    return max(1, min(value, maximum))


def _bool_arg(name):
    return request.args.get(name, "false").lower() == "true"


def _multipart_parts(content_type, text):
    """Return [(part headers with lowercase names, part payload)] of a multipart body.

    A plain split: the email package's parser costs most of a millisecond a part.
    """
    boundary = next((p.split("=", 1)[1].strip().strip('"') for p in content_type.split(";") if p.strip().startswith("boundary=")), None)
    if not boundary:
        raise GoogleError(400, "Batch requests need a multipart boundary", "invalidArgument")
    parts = []
    for chunk in text.split("--" + boundary)[1:]:
        if chunk.startswith("--"):
            break
        head, _, payload = chunk.strip("\r\n").replace("\r\n", "\n").partition("\n\n")
        headers = {}
        for line in head.split("\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        parts.append((headers, payload))
    return parts


@functools.lru_cache(maxsize=64)
def _part_query(query):
    """Parse a batch part's query string (the parts of one batch share theirs)."""
    return parse_qs(query)


def _split_http(text):
    """Split one application/http part into (request line, headers dict, body)."""
    head, _, body = text.replace("\r\n", "\n").partition("\n\n")
    lines = [line for line in head.split("\n") if line.strip()]
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip()] = value.strip()
    return lines[0], headers, body


class GmailState:
    """Mailboxes, tokens, injected failures and a call log, shared with the test."""

    def __init__(self):
        self.lock = threading.RLock()
        self.mailboxes = {}
        self.grants = {}
        self.failures = []
        self.calls = []  # (method, path)
        self.handler_seconds = 0.0  # time spent inside this fake's handlers
        self.delay_seconds = 0.0  # added to every call, to widen race windows

    def reset(self):
        """Forget every mailbox, token, failure and count (a server shared across tests)."""
        self.__init__()

    def add_mailbox(self, address):
        box = self.mailboxes[address.lower()] = FakeMailbox(address)
        return box

    def mailbox(self, address):
        return self.mailboxes[address.lower()]

    def grant(self, token, address, scopes=("gmail.readonly", "gmail.labels")):
        """Let ``token`` act on ``address`` with ``scopes`` (short or full names)."""
        if address.lower() not in self.mailboxes:
            self.add_mailbox(address)
        self.grants[token] = Grant(address.lower(), frozenset(scope(s) for s in scopes))

    def expire(self, token):
        """Make Google refuse ``token`` as it does an expired or revoked one."""
        self.grants[token].expired = True

    def fail(self, error, times=1, method=None, path_contains=None):
        """Answer the next ``times`` matching calls with ``error`` (a GoogleError)."""
        self.failures.append(Failure(error, times, method, path_contains))

    def calls_to(self, method, fragment=""):
        return [path for m, path in self.calls if m == method and fragment in path]

    def reset_counters(self):
        self.calls.clear()
        self.handler_seconds = 0.0

    def _injected(self, method, path):
        with self.lock:
            for failure in self.failures:
                if failure.times > 0 and failure.matches(method, path):
                    failure.times -= 1
                    return failure.error
        return None


def _render(message, fmt, metadata_headers):
    """Return a message resource in the requested format, as Gmail does."""
    base = {k: message[k] for k in ("id", "threadId", "labelIds", "snippet", "sizeEstimate", "historyId", "internalDate")}
    if fmt == "minimal":
        return base
    payload = message["payload"]
    if fmt == "metadata":
        wanted = {h.lower() for h in metadata_headers}
        headers = [h for h in payload["headers"] if not wanted or h["name"].lower() in wanted]
        return {**base, "payload": {"mimeType": payload["mimeType"], "headers": headers}}
    if fmt == "raw":
        lines = [f"{h['name']}: {h['value']}" for h in payload["headers"]]
        text = "\r\n".join(lines) + "\r\n\r\n" + message["snippet"]
        return {**base, "raw": _b64(text)}
    return {**base, "payload": payload}


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


def create_app(state):
    """Return the fake Gmail API as a Flask app serving ``state``."""
    app = Flask(__name__)
    answer_errors_as_google(app)

    @app.before_request
    def start_timer():
        g.started = time.perf_counter()

    @app.teardown_request
    def stop_timer(exc):
        with state.lock:
            state.handler_seconds += time.perf_counter() - g.get("started", time.perf_counter())

    def route(rule, methods=("GET",), needs=READ_SCOPES):
        """Register a Gmail endpoint that checks token, user id and scope first."""

        def decorator(view):
            @functools.wraps(view)
            def wrapper(user_id, **kwargs):
                with state.lock:
                    state.calls.append((request.method, request.path))
                if state.delay_seconds:
                    time.sleep(state.delay_seconds)
                grant = authorised_grant(state)
                if user_id not in ("me", grant.mailbox):
                    raise GoogleError(403, f"Delegation denied for {grant.mailbox}", "forbidden")
                if not grant.scopes & needs:
                    raise insufficient_scope()
                with state.lock:
                    return view(state.mailboxes[grant.mailbox], grant, **kwargs)

            app.add_url_rule("/gmail/v1/users/<user_id>" + rule, view.__name__, wrapper, methods=list(methods))
            return wrapper

        return decorator

    def requested_format(grant):
        fmt = request.args.get("format", "full").lower()
        if fmt not in FORMATS:
            raise GoogleError(400, f"Invalid value at 'format' ({fmt})", "invalidArgument")
        if fmt in ("full", "raw") and grant.scopes & READ_SCOPES == {METADATA}:
            raise GoogleError(403, f"Metadata scope doesn't allow format {fmt.upper()}", "forbidden")
        return fmt

    def check_id(value):
        # Gmail answers 400 "Invalid id value" for ids that are not hexadecimal.
        try:
            int(value, 16)
        except ValueError:
            raise GoogleError(400, "Invalid id value", "invalidArgument")

    @route("/threads/<thread_id>")
    def threads_get(box, grant, thread_id):
        check_id(thread_id)
        fmt = requested_format(grant)
        ids = box.threads.get(thread_id)
        if not ids:
            raise not_found()
        headers = request.args.getlist("metadataHeaders")
        messages = [_render(box.messages[gid], fmt, headers) for gid in ids]
        return jsonify(id=thread_id, historyId=str(box.history_id), messages=messages)

    @route("/messages/<message_id>")
    def messages_get(box, grant, message_id):
        check_id(message_id)
        fmt = requested_format(grant)
        message = box.messages.get(message_id)
        if message is None:
            raise not_found()
        return jsonify(_render(message, fmt, request.args.getlist("metadataHeaders")))

    @route("/labels", needs=READ_SCOPES | {LABELS})
    def labels_list(box, grant):
        return jsonify(labels=list(box.labels.values()))

    @route("/labels", methods=("POST",), needs={FULL, MODIFY, LABELS})
    def labels_create(box, grant):
        body = request.get_json(silent=True) or {}
        name = (body.get("name") or "").strip()
        if not name:
            raise GoogleError(400, "Invalid label name", "invalidArgument")
        if box.label_by_name(name) is not None:
            raise GoogleError(409, "Label name exists or conflicts", "duplicate")
        return jsonify(box.create_label(name))

    @route("/threads/<thread_id>/modify", methods=("POST",), needs={FULL, MODIFY})
    def threads_modify(box, grant, thread_id):
        check_id(thread_id)
        ids = box.threads.get(thread_id)
        if not ids:
            raise not_found()
        body = request.get_json(silent=True) or {}
        add, remove = body.get("addLabelIds") or [], body.get("removeLabelIds") or []
        for label_id in add + remove:
            if label_id not in box.labels:
                raise GoogleError(400, f"Invalid label: {label_id}", "invalidArgument")
        for gid in ids:
            labels = box.messages[gid]["labelIds"]
            labels[:] = [label for label in labels if label not in remove] + [label for label in add if label not in labels]
        box._record(labelsAdded=[{"threadId": thread_id, "labelIds": add}], labelsRemoved=[{"threadId": thread_id, "labelIds": remove}])
        return jsonify(
            id=thread_id,
            historyId=str(box.history_id),
            messages=[_render(box.messages[gid], "minimal", ()) for gid in ids],
        )

    # -- mail sync ------------------------------------------------------------
    @route("/profile")
    def profile(box, grant):
        return jsonify(emailAddress=box.address, messagesTotal=len(box.messages), threadsTotal=len(box.threads), historyId=str(box.history_id))

    @route("/messages")
    def messages_list(box, grant):
        query = request.args.get("q", "")
        if query and grant.scopes & READ_SCOPES == {METADATA}:
            raise GoogleError(403, "Metadata scope does not support 'q' parameter", "forbidden")
        token = request.args.get("pageToken")
        before = None
        if token:
            date, _, gid = _page_token(token).partition(":")
            if not date.isdigit():
                raise GoogleError(400, "Invalid pageToken", "invalidArgument")
            before = (int(date), int(gid, 16))
        size = _max_results(100)
        selected = box.list_messages(query, request.args.getlist("labelIds"), _bool_arg("includeSpamTrash"), before=before, limit=size + 1)
        page = selected[:size]
        body = {"resultSizeEstimate": len(box.messages)}  # an estimate, as Gmail's is
        if page:
            body["messages"] = [{"id": m["id"], "threadId": m["threadId"]} for m in page]
        if len(selected) > size:
            body["nextPageToken"] = _b64(f"{page[-1]['internalDate']}:{page[-1]['id']}")
        return jsonify(body)

    @route("/history")
    def history_list(box, grant):
        try:
            start = int(request.args["startHistoryId"])
        except (KeyError, ValueError):
            raise GoogleError(400, "Invalid startHistoryId", "invalidArgument")
        token = request.args.get("pageToken")
        after = None
        if token:
            kind, _, value = _page_token(token).partition(":")
            if kind != "h" or not value.isdigit():
                raise GoogleError(400, "Invalid pageToken", "invalidArgument")
            after = int(value)
        types = request.args.getlist("historyTypes")
        if any(t not in _HISTORY_TYPES for t in types):
            raise GoogleError(400, "Invalid value for historyTypes", "invalidArgument")
        records, next_token = box.history_page(start, types, request.args.get("labelId"), _max_results(100), after)
        body = {"historyId": str(box.history_id)}
        if records:
            body["history"] = records
        if next_token:
            body["nextPageToken"] = next_token
        return jsonify(body)

    def _check_labels(box, label_ids):
        for label_id in label_ids:
            if label_id not in box.labels:
                raise GoogleError(400, f"Invalid label: {label_id}", "invalidArgument")

    @route("/messages/<message_id>/modify", methods=("POST",), needs={FULL, MODIFY})
    def messages_modify(box, grant, message_id):
        check_id(message_id)
        if message_id not in box.messages:
            raise not_found()
        body = request.get_json(silent=True) or {}
        add, remove = body.get("addLabelIds") or [], body.get("removeLabelIds") or []
        _check_labels(box, add + remove)
        return jsonify(_render(box.modify_message(message_id, add, remove), "minimal", ()))

    @route("/messages/batchModify", methods=("POST",), needs={FULL, MODIFY})
    def messages_batch_modify(box, grant):
        body = request.get_json(silent=True) or {}
        ids = body.get("ids") or []
        if len(ids) > 1000:
            raise GoogleError(400, "Too many ids (at most 1000)", "invalidArgument")
        add, remove = body.get("addLabelIds") or [], body.get("removeLabelIds") or []
        _check_labels(box, add + remove)
        for gid in ids:
            if gid in box.messages:
                box.modify_message(gid, add, remove)
        return "", 204

    def batch_message_get(path, headers, user_id, message_id):
        """Answer one messages.get part as the route would: token, failures, user, scope, format."""
        with state.lock:
            state.calls.append(("GET", urlsplit(path).path))
        try:
            scheme, _, token = headers.get("Authorization", headers.get("authorization", "")).partition(" ")
            grant = state.grants.get(token.strip()) if scheme.lower() == "bearer" else None
            if grant is None or grant.expired:
                raise invalid_credentials()
            injected = state._injected("GET", urlsplit(path).path)
            if injected is not None:
                raise injected
            if user_id not in ("me", grant.mailbox):
                raise GoogleError(403, f"Delegation denied for {grant.mailbox}", "forbidden")
            if not grant.scopes & READ_SCOPES:
                raise insufficient_scope()
            args = _part_query(urlsplit(path).query)
            fmt = (args.get("format") or ["full"])[0].lower()
            if fmt not in FORMATS:
                raise GoogleError(400, f"Invalid value at 'format' ({fmt})", "invalidArgument")
            if fmt in ("full", "raw") and grant.scopes & READ_SCOPES == {METADATA}:
                raise GoogleError(403, f"Metadata scope doesn't allow format {fmt.upper()}", "forbidden")
            with state.lock:
                message = state.mailboxes[grant.mailbox].messages.get(message_id)
                if message is None:
                    raise not_found()
                text = json.dumps(_render(message, fmt, args.get("metadataHeaders", [])))
            return 200, "application/json", {}, text
        except GoogleError as err:
            return err.code, "application/json", err.headers, json.dumps(err.body())

    @app.post("/batch/gmail/v1")
    def batch():
        """Answer a multipart/mixed batch, each part one request to this API (at most 100)."""
        content_type = request.headers.get("Content-Type", "")
        if not content_type.startswith("multipart/mixed"):
            raise GoogleError(400, "Batch requests must be multipart/mixed", "invalidArgument")
        parts = _multipart_parts(content_type, request.get_data(as_text=True))
        if len(parts) > 100:
            raise GoogleError(400, "A batch holds at most 100 requests", "invalidArgument")
        client = app.test_client()
        boundary = "batch_fake_boundary"
        # The outer request's headers, except Content-*, apply to every part (Google's batch protocol).
        outer = {k: v for k, v in request.headers.items() if not k.lower().startswith("content-") and k.lower() != "host"}
        out = []
        for part in parts:
            part_meta, payload = part
            request_line, part_headers, body = _split_http(payload)
            method, path, _ = request_line.split(" ", 2)
            part_headers.pop("Host", None)
            headers = {**outer, **part_headers}
            fast = _MESSAGE_GET.match(path.split("?", 1)[0]) if method == "GET" else None
            if fast:
                # messages.get straight from the state: Flask's own dispatch costs half a
                # millisecond a part, which would make this fake the benchmark's bottleneck.
                status, content_type, extra, text = batch_message_get(path, headers, *fast.groups())
            else:
                response = client.open(path, method=method, headers=headers, data=body.encode() or None)
                status, content_type, text = response.status, response.content_type, response.get_data(as_text=True)
                extra = {k: v for k, v in response.headers.items() if k.lower() in ("retry-after", "www-authenticate")}
            content_id = part_meta.get("content-id", "").strip("<>")
            lines = [f"--{boundary}", "Content-Type: application/http", f"Content-ID: <response-{content_id}>", ""]
            lines.append(f"HTTP/1.1 {status}")
            lines.append(f"Content-Type: {content_type}")
            lines.extend(f"{k}: {v}" for k, v in extra.items())
            lines.extend(["", text])
            out.append("\r\n".join(lines))
        text = "\r\n".join(out) + f"\r\n--{boundary}--\r\n"
        return app.response_class(text, content_type=f"multipart/mixed; boundary={boundary}")

    @route("/messages/send", methods=("POST",), needs=SEND_SCOPES)
    def messages_send(box, grant):
        """users.messages.send: JSON {raw, threadId}, or on the upload path a media or multipart/related body."""
        if request.path.startswith("/upload/"):
            upload_type = request.args.get("uploadType")
            if upload_type == "media":
                metadata, raw = {}, request.get_data()
            elif upload_type == "multipart":
                metadata, raw = _related_parts(request.headers.get("Content-Type", ""), request.get_data())
            else:
                raise GoogleError(400, f"Upload type '{upload_type}' is not supported by this fake (media, multipart).", "invalidArgument")
        else:
            metadata = request.get_json(silent=True)
            if not isinstance(metadata, dict) or not isinstance(metadata.get("raw"), str):
                raise GoogleError(400, "'raw' RFC822 payload message string or uploading message via /upload/* URL required", "invalidArgument")
            try:
                raw = base64.urlsafe_b64decode(metadata["raw"] + "=" * (-len(metadata["raw"]) % 4))
            except ValueError:
                raise GoogleError(400, "Invalid value for ByteString", "invalidArgument")
        sent = box.send_raw(raw, metadata.get("threadId"))
        return jsonify(id=sent["id"], threadId=sent["threadId"], labelIds=sent["labelIds"])

    app.add_url_rule("/upload/gmail/v1/users/<user_id>/messages/send", "messages_send_upload", messages_send, methods=["POST"])

    return app


def _thread_subject(subject):
    """A subject without its Re:/Fwd: prefixes, as Gmail compares subjects for threading."""
    return re.sub(r"^\s*((re|fwd?|aw)\s*:\s*)+", "", subject, flags=re.IGNORECASE).strip().lower()


def _payload_of(part, gid, part_id=""):
    """Gmail's payload (format=full) for a parsed MIME part: headers, body data or attachment id, parts."""
    headers = [{"name": name, "value": str(value)} for name, value in part.items()]
    mime = part.get_content_type()
    filename = part.get_filename() or ""
    if part.is_multipart():
        children = [_payload_of(child, gid, f"{part_id}.{n}" if part_id else str(n)) for n, child in enumerate(part.get_payload())]
        return {"partId": part_id, "mimeType": mime, "filename": filename, "headers": headers, "body": {"size": 0}, "parts": children}
    data = part.get_payload(decode=True) or b""
    body = {"size": len(data)}
    if filename:
        body["attachmentId"] = f"ANGj{gid}{part_id.replace('.', '')}"
    else:
        body["data"] = base64.urlsafe_b64encode(data).decode().rstrip("=")
    return {"partId": part_id, "mimeType": mime, "filename": filename, "headers": headers, "body": body}


def _first_text(payload):
    if payload["mimeType"] == "text/plain" and "data" in payload["body"]:
        data = payload["body"]["data"]
        return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)).decode("utf-8", "replace")
    for child in payload.get("parts") or []:
        text = _first_text(child)
        if text:
            return text
    return ""


def _related_parts(content_type, body):
    """Split an upload's multipart/related body into (JSON metadata, message bytes)."""
    boundary = next((p.split("=", 1)[1].strip().strip('"') for p in content_type.split(";") if p.strip().startswith("boundary=")), None)
    if not content_type.startswith("multipart/related") or not boundary:
        raise GoogleError(400, "Multipart uploads need a multipart/related body with a boundary", "invalidArgument")
    chunks = body.split(b"--" + boundary.encode())
    parts = []
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, payload = chunk.lstrip(b"\r\n").partition(b"\r\n\r\n")
        parts.append((head.decode("latin-1").lower(), payload[:-2] if payload.endswith(b"\r\n") else payload))
    if len(parts) != 2 or "application/json" not in parts[0][0]:
        raise GoogleError(400, "A multipart upload is the JSON metadata, then the media", "invalidArgument")
    try:
        metadata = json.loads(parts[0][1] or b"{}")
    except ValueError:
        raise GoogleError(400, "Invalid JSON metadata", "parseError")
    return metadata, parts[1][1]


class RunningGmail:
    """A fake Gmail serving on a local port: ``state``, ``url`` and ``root`` (for GOOGLE_API_ROOT)."""

    def __init__(self, state, server):
        self.state, self.server = state, server
        self.url = server.url
        self.root = server.url + "/"


@contextlib.contextmanager
def running_fake_gmail(state=None):
    """Serve a fake Gmail over HTTP on 127.0.0.1 for the duration of the block."""
    from .server import ServerThread

    state = state or GmailState()
    with ServerThread(create_app(state)) as server:
        yield RunningGmail(state, server)
