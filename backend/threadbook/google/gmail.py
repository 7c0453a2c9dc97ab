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

Errors are ``GoogleApiError`` subclasses (``google.errors``): ReauthRequired,
InsufficientScope, NotFound, RateLimited, Unavailable and the rest.
"""

import json
import threading
import urllib.parse
import uuid

import httplib2
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from threadbook.google.client import DEFAULT_TIMEOUT, GoogleClient
from threadbook.google.errors import Conflict, Unavailable, translate_http_error

# Headers the CRM reads for every message (users.threads.get, format=metadata): the ones it stores,
# then the ones that tell mail no person wrote (mail/automated.py).
METADATA_HEADERS = ("From", "To", "Cc", "Subject", "Date", "Message-ID", "In-Reply-To", "References") + (
    "List-Unsubscribe",
    "List-Id",
    "Precedence",
    "Auto-Submitted",
)
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


class Gmail(GoogleClient):
    """One mailbox's Gmail API (``user_id`` "me" is the token's own mailbox).

    ``api_seconds`` adds up the time spent waiting on Google, so callers can
    tell their own cost from the API's.
    """

    SERVICE = "Gmail"

    def __init__(self, credentials, api_root, user_id="me", timeout=DEFAULT_TIMEOUT):
        super().__init__(credentials, timeout)
        self.user_id = user_id
        self.api_root = api_root
        self._api = _resources(api_root)

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

    def delete_label(self, label_id):
        """users.labels.delete: Gmail takes the label off every message and thread."""
        return self._execute(self._api.labels.delete(userId=self.user_id, id=label_id))

    def ensure_label(self, name):
        """Return the id of the label called ``name`` (compared as Gmail does, without regard to case), creating it when missing."""
        for label in self.list_labels():
            if _same_label_name(label.get("name"), name):
                return label["id"]
        try:
            return self.create_label(name)["id"]
        except Conflict:
            # Created meanwhile by a concurrent call: it exists now.
            for label in self.list_labels():
                if _same_label_name(label.get("name"), name):
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

    def modify_message(self, message_id, add_label_ids=(), remove_label_ids=()):
        """users.messages.modify: add and remove labels on one message."""
        body = {"addLabelIds": list(add_label_ids), "removeLabelIds": list(remove_label_ids)}
        return self._execute(self._api.messages.modify(userId=self.user_id, id=message_id, body=body))

    def batch_modify_messages(self, message_ids, add_label_ids=(), remove_label_ids=()):
        """users.messages.batchModify: add and remove labels on up to 1,000 messages."""
        body = {"ids": list(message_ids), "addLabelIds": list(add_label_ids), "removeLabelIds": list(remove_label_ids)}
        return self._execute(self._api.messages.batchModify(userId=self.user_id, body=body))

    # -- push notifications (sync/push.py) --------------------------------------
    def watch(self, topic_name):
        """users.watch: publish every change of this mailbox to the Pub/Sub topic; return {historyId, expiration (ms)}.

        No label filter: sync reads every change from history anyway, and a
        filter would hide mail a Gmail filter skips the inbox with.
        """
        return self._execute(self._api.users.watch(userId=self.user_id, body={"topicName": topic_name}))

    def stop_watch(self):
        """users.stop: no more push notifications for this mailbox."""
        return self._execute(self._api.users.stop(userId=self.user_id))

    def get_messages(self, message_ids, format="metadata", metadata_headers=METADATA_HEADERS):
        """Fetch up to 100 messages in one batch request; return {id: resource or GoogleApiError}.

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
        body = (
            "".join(
                f"--{boundary}\r\nContent-Type: application/http\r\nContent-ID: <item{n}>\r\n\r\n"
                f"GET {prefix}/gmail/v1/users/{user}/messages/{urllib.parse.quote(mid, safe='')}?{query} HTTP/1.1\r\n\r\n"
                for n, mid in enumerate(message_ids)
            )
            + f"--{boundary}--\r\n"
        )
        uri = self.api_root.rstrip("/") + "/batch/gmail/v1"
        resp, content = self._execute(RawPost(self._http, uri, body.encode(), f"multipart/mixed; boundary={boundary}"))
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


def _same_label_name(a, b):
    """Gmail compares label names without regard to case (creating ``A`` beside ``a`` is a 409)."""
    return (a or "").casefold() == (b or "").casefold()


class RawPost:
    """One POST written by hand (a batch, an upload), run by ``GoogleClient._execute`` like a client-library request.

    ``execute`` returns ``(response, content)``; an answer of 300 or more
    raises ``HttpError``, which ``_execute`` translates like any other.
    """

    def __init__(self, http, uri, body, content_type):
        self.http, self.uri, self.body, self.content_type = http, uri, body, content_type

    def execute(self, num_retries=0):
        resp, content = self.http.request(self.uri, "POST", body=self.body, headers={"Content-Type": self.content_type})
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
