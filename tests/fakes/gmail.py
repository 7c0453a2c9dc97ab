"""A fake Gmail REST API (v1) for tests: Flask app over an in-memory state.

It answers the paths google-api-python-client builds from
``GOOGLE_API_ROOT`` (``<root>gmail/v1/users/{userId}/...``, the batch
endpoint and messages.send's /upload path) in Google's JSON shapes,
including errors (``{"error": {"code", "message", "status",
"errors": [...]}}``). Access tokens map to one mailbox and a set of scopes, so
tests can play an expired token, a token without the labels scope, or a
metadata-only token.

This module is the HTTP side: Gmail's scopes, ``create_app`` (the routes)
and ``running_fake_gmail``. Beside it:

- ``gmail_store``: ``GmailState`` and ``FakeMailbox``, the in-memory state;
- ``gmail_messages``: message resources in Gmail's shape (``_render``...);
- ``gmail_search``: the search syntax messages.list understands;
- ``gmail_multipart``: batch and upload bodies;
- ``google_common``: Google's JSON errors and the bearer-token check,
  shared with the fake Calendar (gcalendar.py).

Extending it (messages.list, history.list for mail sync): every change goes
through ``FakeMailbox._record`` which bumps ``history_id`` and appends a
history record, and ``FakeMailbox.messages`` keeps insertion order, so list
and history endpoints are a few lines each. Add routes in ``create_app``
with ``@route(...)``, which checks the token and scope and counts the call.

    state = GmailState()  # from .gmail_store
    box = state.add_mailbox("rep@acme.example")
    state.grant("token-1", "rep@acme.example")
    msg = box.add_message(sender="Ada <ada@ext.example>", to=["rep@acme.example"], subject="Hi")
    with ServerThread(create_app(state)) as server:
        ...  # GOOGLE_API_ROOT = server.url + "/"
"""

import base64
import contextlib
import functools
import json
import re
import time
from urllib.parse import urlsplit

from flask import Flask, g, jsonify, request

from .gmail_messages import FORMATS, _b64, _render
from .gmail_multipart import _multipart_parts, _part_query, _related_parts, _split_http
from .gmail_store import _HISTORY_TYPES, GmailState
from .google_common import (
    SCOPE_PREFIX,
    GoogleError,
    answer_errors_as_google,
    authorised_grant,
    insufficient_scope,
    invalid_credentials,
    not_found,
    token_account,
)

FULL = "https://mail.google.com/"
READONLY = SCOPE_PREFIX + "gmail.readonly"
METADATA = SCOPE_PREFIX + "gmail.metadata"
MODIFY = SCOPE_PREFIX + "gmail.modify"
LABELS = SCOPE_PREFIX + "gmail.labels"
SEND = SCOPE_PREFIX + "gmail.send"
COMPOSE = SCOPE_PREFIX + "gmail.compose"
SEND_SCOPES = {FULL, MODIFY, COMPOSE, SEND}
READ_SCOPES = {FULL, READONLY, METADATA, MODIFY}
LABEL_WRITE_SCOPES = {FULL, MODIFY, LABELS}  # labels.create, patch, delete (gmail.labels cannot label mail)

TOPIC_NAME = re.compile(r"^projects/[^/]+/topics/[^/]+$")
WATCH_DAYS = 7  # a watch lapses after 7 days unless renewed
_MESSAGE_GET = re.compile(r"^/gmail/v1/users/([^/]+)/messages/([0-9a-fA-F]+)$")


def _page_token(value):
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raise GoogleError(400, "Invalid pageToken", "invalidArgument") from None


def _max_results(default, maximum=500):
    try:
        value = int(request.args.get("maxResults", default))
    except ValueError:
        raise GoogleError(400, "Invalid value for maxResults", "invalidArgument") from None
    return max(1, min(value, maximum))


def _bool_arg(name):
    return request.args.get(name, "false").lower() == "true"


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
                    state.account_calls.append((token_account(state), request.method, request.path))
                if state.delay_seconds:
                    time.sleep(state.delay_seconds)
                grant = authorised_grant(state)
                if user_id not in ("me", grant.mailbox):
                    raise GoogleError(403, f"Delegation denied for {grant.mailbox}", "forbidden")
                if not grant.scopes & needs:
                    # Per call, as Google checks: a token that reads may still not change labels.
                    raise insufficient_scope(method=f"gmail.users.{view.__name__}")
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
            raise GoogleError(400, "Invalid id value", "invalidArgument") from None

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

    def _label_name(body, box, renaming=None):
        """The label name a create or patch asks for; Gmail compares names without regard to case."""
        name = (body.get("name") or "").strip()
        if not name:
            raise GoogleError(400, "Invalid label name", "invalidArgument")
        existing = box.label_by_name(name)
        if existing is not None and existing["id"] != renaming:
            raise GoogleError(409, "Label name exists or conflicts", "duplicate")
        return name

    def _user_label(box, label_id):
        label = box.labels.get(label_id)
        if label is None:
            raise not_found()
        return label

    @route("/labels", methods=("POST",), needs=LABEL_WRITE_SCOPES)
    def labels_create(box, grant):
        return jsonify(box.create_label(_label_name(request.get_json(silent=True) or {}, box)))

    @route("/labels/<label_id>", needs=READ_SCOPES | {LABELS})
    def labels_get(box, grant, label_id):
        return jsonify(_user_label(box, label_id))

    @route("/labels/<label_id>", methods=("PATCH", "PUT"), needs=LABEL_WRITE_SCOPES)
    def labels_patch(box, grant, label_id):
        label = _user_label(box, label_id)
        if label["type"] == "system":
            raise GoogleError(400, "Invalid update request", "invalidArgument")
        body = request.get_json(silent=True) or {}
        if "name" in body:
            label["name"] = _label_name(body, box, renaming=label_id)
        return jsonify(label)

    @route("/labels/<label_id>", methods=("DELETE",), needs=LABEL_WRITE_SCOPES)
    def labels_delete(box, grant, label_id):
        if _user_label(box, label_id)["type"] == "system":
            raise GoogleError(400, "Invalid delete request", "invalidArgument")
        box.delete_label(label_id)
        return "", 204

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

    # -- push notifications (users.watch, users.stop) -------------------------
    @route("/watch", methods=("POST",))
    def watch(box, grant):
        body = request.get_json(silent=True) or {}
        topic = body.get("topicName")
        if not isinstance(topic, str) or not TOPIC_NAME.match(topic):
            raise GoogleError(400, "Invalid topicName does not match projects/SOME-PROJECT/topics/*", "invalidArgument")
        if state.pubsub is None or not state.pubsub.gmail_may_publish(topic):
            # Gmail publishes a test message first; a topic that does not let gmail-api-push@system.gserviceaccount.com publish refuses it.
            raise GoogleError(403, f"Error sending test message to Cloud PubSub {topic} : User not authorized to perform this action.", "forbidden")
        expiration = int(time.time() * 1000) + WATCH_DAYS * 86_400_000
        state.watches[box.address.lower()] = {"topic": topic, "expiration": expiration}
        return jsonify(historyId=str(box.history_id), expiration=str(expiration))

    @route("/stop", methods=("POST",))
    def stop(box, grant):
        state.watches.pop(box.address.lower(), None)
        return "", 204

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
            raise GoogleError(400, "Invalid startHistoryId", "invalidArgument") from None
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
            check_id(gid)
        # Strict: one unknown id refuses the whole call, and nothing is changed.
        if any(gid not in box.messages for gid in ids):
            raise GoogleError(400, "Invalid id value", "invalidArgument")
        for gid in ids:
            box.modify_message(gid, add, remove)
        return "", 204

    def batch_message_get(path, headers, user_id, message_id):
        """Answer one messages.get part as the route would: token, failures, user, scope, format."""
        with state.lock:
            state.calls.append(("GET", urlsplit(path).path))
            state.account_calls.append((token_account(state, headers), "GET", urlsplit(path).path))
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
                raise insufficient_scope(method="gmail.users.messages_get")
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
        with state.lock:
            state.account_calls.append((token_account(state), "POST", request.path))
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
                raise GoogleError(400, "Invalid value for ByteString", "invalidArgument") from None
        sent = box.send_raw(raw, metadata.get("threadId"))
        return jsonify(id=sent["id"], threadId=sent["threadId"], labelIds=sent["labelIds"])

    app.add_url_rule("/upload/gmail/v1/users/<user_id>/messages/send", "messages_send_upload", messages_send, methods=["POST"])

    return app


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
