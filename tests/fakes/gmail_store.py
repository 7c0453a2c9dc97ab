"""The fake Gmail's in-memory state: ``FakeMailbox`` and ``GmailState``.

``FakeMailbox`` is one account's mail: messages (format=full resources, in
insertion order), threads, labels and history. Every change goes through
``FakeMailbox._record``, which bumps ``history_id`` and appends a history
record, so history.list (``history_page``) and messages.list
(``list_messages``) read straight from it. Tests add mail with
``add_message`` and ``add_thread``; users.messages.send lands in ``send_raw``.

``GmailState`` is what the server shares with the test: mailboxes by
address, access tokens and their scopes (``grant``, ``expire``), injected
failures (``fail``), the call log and time spent in handlers.
"""

import bisect
import datetime
import email.parser
import email.utils
import html
import itertools
import threading
import time
from dataclasses import dataclass, field

from .gmail_messages import _b64, _first_text, _header, _payload_of, _thread_subject
from .gmail_search import _query_matcher
from .google_common import GoogleError, Grant, InjectedFailures, not_found, scope

SYSTEM_LABELS = ["INBOX", "SENT", "DRAFT", "SPAM", "TRASH", "UNREAD", "STARRED", "IMPORTANT", "CHAT"]
_HISTORY_TYPES = {"messageAdded": "messagesAdded", "messageDeleted": "messagesDeleted", "labelAdded": "labelsAdded", "labelRemoved": "labelsRemoved"}


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
    on_change: object = field(default=None, repr=False, compare=False)  # called with (mailbox, history id) after each change

    def __post_init__(self):
        for name in SYSTEM_LABELS:
            self.labels[name] = {"id": name, "name": name, "type": "system"}

    def _record(self, **change):
        """Bump the history id and remember what changed (for a future history.list)."""
        self.history_id += 1
        self.history.append({"id": str(self.history_id), **change})
        if self.on_change is not None:
            self.on_change(self, self.history_id)
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
        date = date or datetime.datetime(2026, 1, 5, 9, 30, tzinfo=datetime.UTC) + datetime.timedelta(minutes=len(self.messages))
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
        """The label called ``name``, compared as Gmail does: without regard to case."""
        wanted = name.casefold()
        return next((label for label in self.labels.values() if label["name"].casefold() == wanted), None)

    def rename_label(self, label_id, name):
        """Rename a label as the user does in Gmail's settings (its id stays)."""
        self.labels[label_id]["name"] = name

    def delete_label(self, label_id):
        """Delete a user label: Gmail takes it off every message."""
        del self.labels[label_id]
        for message in self.messages.values():
            if label_id in message["labelIds"]:
                message["labelIds"].remove(label_id)
        self._record(labelDeleted=label_id)

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


def _newest_first_key(message):
    return (-int(message["internalDate"]), -int(message["id"], 16))


def _history_message(message):
    return {"id": message["id"], "threadId": message["threadId"], "labelIds": list(message["labelIds"])}


class GmailState(InjectedFailures):
    """Mailboxes, tokens, injected failures and a call log, shared with the test."""

    def __init__(self):
        self.lock = threading.RLock()
        self.mailboxes = {}
        self.grants = {}
        self.failures = []
        self.calls = []  # (method, path)
        self.account_calls = []  # (account of the token or None, method, path), batches included
        self.handler_seconds = 0.0  # time spent inside this fake's handlers
        self.delay_seconds = 0.0  # added to every call, to widen race windows
        self.watches = {}  # address -> {"topic", "expiration" (ms)}: users.watch (push notifications)
        self.pubsub = None  # a FakePubSub (fakes/pubsub.py) that watched mailboxes publish their changes to

    def reset(self):
        """Forget every mailbox, token, failure and count (a server shared across tests)."""
        self.__init__()

    def add_mailbox(self, address):
        box = self.mailboxes[address.lower()] = FakeMailbox(address, on_change=self._changed)
        return box

    def _changed(self, box, history_id):
        """Publish a watched mailbox's change as Gmail does: {emailAddress, historyId} to the watch's topic."""
        watch = self.watches.get(box.address.lower())
        if watch is None or self.pubsub is None or watch["expiration"] <= time.time() * 1000:
            return
        self.pubsub.publish(watch["topic"], {"emailAddress": box.address, "historyId": history_id})

    def mailbox(self, address):
        return self.mailboxes[address.lower()]

    def rename_mailbox(self, old_address, new_address):
        """Google renamed the account: the same mailbox (messages, ids, history) answers to the new address."""
        with self.lock:
            box = self.mailboxes.pop(old_address.lower())
            box.address = new_address
            self.mailboxes[new_address.lower()] = box
            for grant in self.grants.values():
                if grant.mailbox == old_address.lower():
                    grant.mailbox = new_address.lower()
        return box

    def grant(self, token, address, scopes=("gmail.readonly", "gmail.labels")):
        """Let ``token`` act on ``address`` with ``scopes`` (short or full names)."""
        if address.lower() not in self.mailboxes:
            self.add_mailbox(address)
        self.grants[token] = Grant(address.lower(), frozenset(scope(s) for s in scopes))

    def expire(self, token):
        """Make Google refuse ``token`` as it does an expired or revoked one."""
        self.grants[token].expired = True

    def calls_to(self, method, fragment=""):
        return [path for m, path in self.calls if m == method and fragment in path]

    def calls_for(self, account):
        """Every call made with a token of ``account``'s (a batch and each of its parts count)."""
        return [(m, path) for who, m, path in self.account_calls if who == account.lower()]

    def reset_counters(self):
        self.calls.clear()
        self.account_calls.clear()
        self.handler_seconds = 0.0
