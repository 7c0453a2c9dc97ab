"""Call the Gmail API for one mailbox, turning Google's errors into a few exceptions.

A thin wrapper over google-api-python-client:
``build("gmail", "v1", static_discovery=True, client_options={"api_endpoint": root})``.
The discovery document's ``rootUrl`` is ``https://gmail.googleapis.com/`` with
an empty ``servicePath`` and method paths such as
``gmail/v1/users/{userId}/threads/{id}``; ``api_endpoint`` replaces the
root, so ``GOOGLE_API_ROOT`` + ``gmail/v1/users/...`` is what gets called
(Google's own ``https://www.googleapis.com/`` serves the same paths). The
service is built once per root and process; each ``Gmail`` runs requests on
its own ``AuthorizedHttp`` (google.oauth2 credentials: an access token, or a
refresh token that refreshes on 401). The client library's batch ignores a
moved root, so ``get_messages`` writes its own batch request.

Errors become subclasses of ``GmailError``:

- ``ReauthRequired``: the token is expired or revoked (401), or could not be refreshed;
- ``InsufficientScope``: the token lacks the scope the call needs (403);
- ``NotFound``: no such thread, message or label (404; Gmail's 400 "Invalid id" too);
- ``RateLimited``: quota exceeded (429, or 403 with a rate-limit reason), with ``retry_after`` seconds;
- ``Unavailable``: Google failed (5xx) or could not be reached.

Nothing retries: an interactive caller answers at once, a background caller
decides its own back-off from ``retry_after``.
"""

import datetime
import email.utils
import json
import re
import socket
import threading
import time
import urllib.parse
import uuid

import google.auth.exceptions
import google.oauth2.credentials
import google_auth_httplib2
import httplib2
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from googleapiclient.http import HttpRequest

# Headers the CRM stores for every message (users.threads.get, format=metadata).
METADATA_HEADERS = ("From", "To", "Cc", "Subject", "Date", "Message-ID", "In-Reply-To", "References")
DEFAULT_TIMEOUT = 20
DEFAULT_RETRY_AFTER = 30
RATE_LIMIT_REASONS = {"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded", "dailyLimitExceeded"}
SCOPE_REASONS = {"insufficientPermissions", "ACCESS_TOKEN_SCOPE_INSUFFICIENT"}
_RETRY_AFTER_IN_MESSAGE = re.compile(r"Retry after (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)")


class GmailError(Exception):
    """Gmail refused or failed a call; ``status`` and ``reason`` are Google's."""

    def __init__(self, message, status=None, reason=None, retry_after=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.reason = reason
        self.retry_after = retry_after


class ReauthRequired(GmailError):
    pass


class InsufficientScope(GmailError):
    pass


class NotFound(GmailError):
    pass


class RateLimited(GmailError):
    pass


class Conflict(GmailError):
    pass


class Unavailable(GmailError):
    pass


def _retry_after_seconds(error, message):
    header = error.resp.get("retry-after") if error.resp is not None else None
    if header:
        try:
            return max(1, int(header))
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(header)
                return max(1, int((when - datetime.datetime.now(datetime.timezone.utc)).total_seconds()))
            except (TypeError, ValueError):
                pass
    match = _RETRY_AFTER_IN_MESSAGE.search(message or "")
    if match:
        when = datetime.datetime.strptime(match.group(1).split(".")[0].rstrip("Z"), "%Y-%m-%dT%H:%M:%S")
        delta = when.replace(tzinfo=datetime.timezone.utc) - datetime.datetime.now(datetime.timezone.utc)
        return max(1, int(delta.total_seconds()) + 1)
    return DEFAULT_RETRY_AFTER


def translate_http_error(error):
    """Return the GmailError for a googleapiclient HttpError."""
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
    if status >= 500:
        return Unavailable(message, status, reason, DEFAULT_RETRY_AFTER)
    return GmailError(message, status, reason)


_RESOURCES = {}
_RESOURCES_LOCK = threading.Lock()


class _Resources:
    """The Gmail API's resources at one root, built once per process.

    Building the service parses the discovery document, and every
    ``users()``/``threads()`` call creates all of the resource's methods again:
    10 ms of a thread log went there. Requests built from these shared
    resources run on each client's own authorised http (``Gmail._execute``),
    so no credentials are shared; building a request only reads a resource.
    """

    def __init__(self, api_root):
        service = build(
            "gmail",
            "v1",
            http=httplib2.Http(),  # a placeholder: every request runs on its client's http
            static_discovery=True,
            cache_discovery=False,
            client_options={"api_endpoint": api_root},
        )
        self.users = service.users()
        self.threads = self.users.threads()
        self.messages = self.users.messages()
        self.labels = self.users.labels()
        self.history = self.users.history()


def _resources(api_root):
    with _RESOURCES_LOCK:
        if api_root not in _RESOURCES:
            _RESOURCES[api_root] = _Resources(api_root)
        return _RESOURCES[api_root]


class Gmail:
    """One mailbox's Gmail API (``user_id`` "me" is the token's own mailbox).

    ``api_seconds`` adds up the time spent waiting on Google, so callers can
    tell their own cost from the API's.
    """

    def __init__(self, credentials, api_root, user_id="me", timeout=DEFAULT_TIMEOUT):
        # Refresh on 401 only when the credentials can refresh; a bare access
        # token cannot, and google-auth would raise RefreshError instead.
        refreshable = bool(getattr(credentials, "refresh_token", None))
        http = google_auth_httplib2.AuthorizedHttp(
            credentials,
            http=httplib2.Http(timeout=timeout),
            refresh_status_codes=(401,) if refreshable else (),
        )
        self.user_id = user_id
        self.api_root = api_root
        self.api_seconds = 0.0
        self._http = http
        self._api = _resources(api_root)

    @classmethod
    def for_access_token(cls, access_token, api_root, **kwargs):
        """A client for a short-lived access token (e.g. from the extension)."""
        return cls(google.oauth2.credentials.Credentials(access_token), api_root, **kwargs)

    def _execute(self, request):
        started = time.perf_counter()
        try:
            if isinstance(request, HttpRequest):
                # The shared resource built the request; it runs on this client's own credentials.
                return request.execute(http=self._http, num_retries=0)
            return request.execute(num_retries=0)
        except HttpError as exc:
            raise translate_http_error(exc) from exc
        except google.auth.exceptions.RefreshError as exc:
            raise ReauthRequired(f"Google refused to refresh the access: {exc}", 401, "refresh_failed") from exc
        except (socket.timeout, TimeoutError, OSError, httplib2.HttpLib2Error) as exc:
            raise Unavailable(f"Gmail could not be reached ({exc.__class__.__name__}).", None, "unreachable", 5) from exc
        finally:
            self.api_seconds += time.perf_counter() - started

    def get_thread(self, thread_id, format="metadata", metadata_headers=METADATA_HEADERS):
        """users.threads.get: the thread with its messages (``format`` metadata, full or minimal)."""
        kwargs = {"userId": self.user_id, "id": thread_id, "format": format}
        if format == "metadata":
            kwargs["metadataHeaders"] = list(metadata_headers)
        return self._execute(self._api.threads.get(**kwargs))

    def get_message(self, message_id, format="metadata", metadata_headers=METADATA_HEADERS):
        """users.messages.get."""
        kwargs = {"userId": self.user_id, "id": message_id, "format": format}
        if format == "metadata":
            kwargs["metadataHeaders"] = list(metadata_headers)
        return self._execute(self._api.messages.get(**kwargs))

    def list_labels(self):
        """users.labels.list: every label, system and user."""
        return self._execute(self._api.labels.list(userId=self.user_id)).get("labels", [])

    def create_label(self, name):
        """users.labels.create, shown in the label list and message list."""
        body = {"name": name, "labelListVisibility": "labelShow", "messageListVisibility": "show"}
        return self._execute(self._api.labels.create(userId=self.user_id, body=body))

    def ensure_label(self, name):
        """Return the id of the label called ``name``, creating it when missing."""
        for label in self.list_labels():
            if label.get("name") == name:
                return label["id"]
        try:
            return self.create_label(name)["id"]
        except Conflict:
            # Created meanwhile by a concurrent call: it exists now.
            for label in self.list_labels():
                if label.get("name") == name:
                    return label["id"]
            raise

    def modify_thread(self, thread_id, add_label_ids=(), remove_label_ids=()):
        """users.threads.modify: add and remove labels on every message of a thread."""
        body = {"addLabelIds": list(add_label_ids), "removeLabelIds": list(remove_label_ids)}
        return self._execute(self._api.threads.modify(userId=self.user_id, id=thread_id, body=body))

    # -- mail sync (threadbook.sync) -------------------------------------------
    def get_profile(self):
        """users.getProfile: emailAddress, messagesTotal, threadsTotal, historyId."""
        return self._execute(self._api.users.getProfile(userId=self.user_id))

    def list_messages(self, query=None, page_token=None, max_results=500, include_spam_trash=False):
        """users.messages.list: one page of ``{"messages": [{id, threadId}], "nextPageToken"}``, newest first."""
        kwargs = {"userId": self.user_id, "maxResults": max_results, "includeSpamTrash": include_spam_trash}
        if query:
            kwargs["q"] = query
        if page_token:
            kwargs["pageToken"] = page_token
        return self._execute(self._api.messages.list(**kwargs))

    def list_history(self, start_history_id, page_token=None, history_types=None, max_results=500):
        """users.history.list: one page of changes after ``start_history_id`` (NotFound when it is too old)."""
        kwargs = {"userId": self.user_id, "startHistoryId": str(start_history_id), "maxResults": max_results}
        if history_types:
            kwargs["historyTypes"] = list(history_types)
        if page_token:
            kwargs["pageToken"] = page_token
        return self._execute(self._api.history.list(**kwargs))

    def batch_modify_messages(self, message_ids, add_label_ids=(), remove_label_ids=()):
        """users.messages.batchModify: add and remove labels on up to 1,000 messages."""
        body = {"ids": list(message_ids), "addLabelIds": list(add_label_ids), "removeLabelIds": list(remove_label_ids)}
        return self._execute(self._api.messages.batchModify(userId=self.user_id, body=body))

    def get_messages(self, message_ids, format="metadata", metadata_headers=METADATA_HEADERS):
        """Fetch up to 100 messages in one batch request; return {id: resource or GmailError}.

        The batch goes to ``GOOGLE_API_ROOT`` + ``batch/gmail/v1`` (Google's
        path for Gmail batches), built and parsed here rather than by the
        client library, whose batch ignores a moved root and spends about a
        millisecond of MIME folding per message. The inner requests inherit the
        outer request's Authorization, as Google's batch protocol specifies. A
        failure of the whole batch raises; a failure of one message is that
        message's value.
        """
        if not message_ids:
            return {}
        if len(message_ids) > MAX_BATCH:
            raise ValueError(f"A Gmail batch holds at most {MAX_BATCH} requests.")
        params = [("format", format)]
        if format == "metadata":
            params.extend(("metadataHeaders", h) for h in metadata_headers)
        query = urllib.parse.urlencode(params)
        prefix = urllib.parse.urlparse(self.api_root).path.rstrip("/")
        user = urllib.parse.quote(self.user_id, safe="")
        boundary = "threadbook_batch_" + uuid.uuid4().hex
        body = "".join(
            f"--{boundary}\r\nContent-Type: application/http\r\nContent-ID: <item{n}>\r\n\r\n"
            f"GET {prefix}/gmail/v1/users/{user}/messages/{urllib.parse.quote(mid, safe='')}?{query} HTTP/1.1\r\n\r\n"
            for n, mid in enumerate(message_ids)
        ) + f"--{boundary}--\r\n"
        uri = self.api_root.rstrip("/") + "/batch/gmail/v1"
        resp, content = self._execute(_RawBatch(self._http, uri, body, boundary))
        results = {}
        for content_id, status, headers, part_body in _parse_batch_response(resp, content):
            if not content_id.startswith("response-item"):
                continue
            try:
                message_id = message_ids[int(content_id[len("response-item") :])]
            except (ValueError, IndexError):
                continue
            if status == 200:
                results[message_id] = json.loads(part_body)
            else:
                part_resp = httplib2.Response({"status": status, **headers})
                results[message_id] = translate_http_error(HttpError(part_resp, part_body.encode(), uri=uri))
        for message_id in message_ids:
            results.setdefault(message_id, Unavailable("Gmail's batch answer left this message out.", None, "batch"))
        return results


MAX_BATCH = 100


class _RawBatch:
    """One multipart/mixed POST, run by ``Gmail._execute`` like a client-library request."""

    def __init__(self, http, uri, body, boundary):
        self.http, self.uri, self.body, self.boundary = http, uri, body, boundary

    def execute(self, num_retries=0):
        headers = {"Content-Type": f"multipart/mixed; boundary={self.boundary}"}
        resp, content = self.http.request(self.uri, "POST", body=self.body.encode(), headers=headers)
        if resp.status >= 300:
            raise HttpError(resp, content, uri=self.uri)
        return resp, content


def _parse_batch_response(resp, content):
    """Yield (content id, status, headers, body) for each part of a multipart/mixed batch answer."""
    content_type = resp.get("content-type", "")
    boundary = next((p.split("=", 1)[1].strip().strip('"') for p in content_type.split(";") if p.strip().startswith("boundary=")), None)
    if not boundary:
        raise Unavailable("Gmail's batch answer is not multipart.", None, "batch")
    text = content.decode("utf-8", errors="replace")
    for chunk in text.split("--" + boundary):
        chunk = chunk.strip("\r\n")
        if not chunk or chunk == "--":
            continue
        outer, _, inner = chunk.replace("\r\n", "\n").partition("\n\n")
        content_id = ""
        for line in outer.split("\n"):
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-id":
                content_id = value.strip().strip("<>")
        head, _, part_body = inner.partition("\n\n")
        lines = head.split("\n")
        try:
            status = int(lines[0].split(" ", 2)[1])
        except (IndexError, ValueError):
            continue
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        yield content_id, status, headers, part_body
