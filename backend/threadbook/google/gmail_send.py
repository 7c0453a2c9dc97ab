"""Send mail with the Gmail API's ``users.messages.send``, from the token's own mailbox.

Two of Google's documented forms, both under ``GOOGLE_API_ROOT``:

- up to ``SIMPLE_LIMIT`` bytes, ``POST gmail/v1/users/me/messages/send`` with
  ``{"raw": <base64url RFC 822>, "threadId"}``;
- above it, the upload endpoint ``POST upload/gmail/v1/users/me/messages/send?uploadType=multipart``
  with a ``multipart/related`` body (the JSON metadata, then the
  ``message/rfc822`` bytes), as Google asks for large messages (35 MB at most).

The requests are written here rather than through the client library, whose
media upload keeps Google's scheme and path when the root is moved. Errors
are Gmail's (``google.gmail``: ReauthRequired, InsufficientScope,
NotFound, RateLimited, Unavailable). Nothing retries: sending twice would
send twice.
"""

import base64
import json
import socket
import urllib.parse
import uuid

import google.auth.exceptions
import google.oauth2.credentials
import google_auth_httplib2
import httplib2
from googleapiclient.errors import HttpError

from threadbook.google.errors import ReauthRequired, Unavailable, translate_http_error

SIMPLE_LIMIT = 4 * 1024 * 1024
MAX_MESSAGE_BYTES = 35 * 1024 * 1024  # Gmail's own limit for messages.send
TIMEOUT_SECONDS = 120  # 35 MB up a slow link


class GmailSender:
    """Send as one mailbox (``user_id`` "me": the token's own)."""

    SERVICE = "Gmail sending"  # names the API in messages to the person (see api/google_answers.py)

    def __init__(self, credentials, api_root, user_id="me", timeout=TIMEOUT_SECONDS):
        refreshable = bool(getattr(credentials, "refresh_token", None)) or not isinstance(credentials, google.oauth2.credentials.Credentials)
        self._http = google_auth_httplib2.AuthorizedHttp(
            credentials, http=httplib2.Http(timeout=timeout), refresh_status_codes=(401,) if refreshable else ()
        )
        self.api_root = api_root.rstrip("/") + "/"
        self.user_id = urllib.parse.quote(user_id, safe="")

    @classmethod
    def for_access_token(cls, access_token, api_root, **kwargs):
        return cls(google.oauth2.credentials.Credentials(access_token), api_root, **kwargs)

    def send(self, raw, thread_id=None):
        """Send RFC 822 bytes (into ``thread_id`` when given); return Gmail's ``{"id", "threadId", "labelIds"}``."""
        if len(raw) > MAX_MESSAGE_BYTES:
            raise ValueError(f"Gmail sends messages of at most {MAX_MESSAGE_BYTES} bytes.")
        metadata = {"threadId": thread_id} if thread_id else {}
        if len(raw) <= SIMPLE_LIMIT:
            uri = f"{self.api_root}gmail/v1/users/{self.user_id}/messages/send"
            body = json.dumps({**metadata, "raw": base64.urlsafe_b64encode(raw).decode("ascii")}).encode()
            return self._post(uri, body, "application/json")
        boundary = "threadbook_" + uuid.uuid4().hex
        body = b"".join(
            [
                f"--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n".encode(),
                json.dumps(metadata).encode(),
                f"\r\n--{boundary}\r\nContent-Type: message/rfc822\r\n\r\n".encode(),
                raw,
                f"\r\n--{boundary}--\r\n".encode(),
            ]
        )
        uri = f"{self.api_root}upload/gmail/v1/users/{self.user_id}/messages/send?uploadType=multipart"
        return self._post(uri, body, f'multipart/related; boundary="{boundary}"')

    def _post(self, uri, body, content_type):
        try:
            resp, content = self._http.request(uri, "POST", body=body, headers={"Content-Type": content_type})
        except google.auth.exceptions.RefreshError as exc:
            raise ReauthRequired(f"Google refused to refresh the access: {exc}", 401, "refresh_failed").about(self.SERVICE) from exc
        except (socket.timeout, TimeoutError, OSError, httplib2.HttpLib2Error) as exc:
            raise Unavailable(f"Gmail could not be reached ({exc.__class__.__name__}).", None, "unreachable", 5).about(self.SERVICE) from exc
        if resp.status >= 300:
            raise translate_http_error(HttpError(resp, content, uri=uri)).about(self.SERVICE)
        return json.loads(content.decode("utf-8"))
