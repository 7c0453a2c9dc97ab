"""Send mail with the Gmail API's ``users.messages.send``, from the token's own mailbox.

Two of Google's documented forms, both under ``GOOGLE_API_ROOT``:

- up to ``SIMPLE_LIMIT`` bytes, ``POST gmail/v1/users/me/messages/send`` with
  ``{"raw": <base64url RFC 822>, "threadId"}``;
- above it, the upload endpoint ``POST upload/gmail/v1/users/me/messages/send?uploadType=multipart``
  with a ``multipart/related`` body (the JSON metadata, then the
  ``message/rfc822`` bytes), as Google asks for large messages (35 MB at most).

The requests are written here rather than through the client library, whose
media upload keeps Google's scheme and path when the root is moved; they run
on ``GoogleClient``'s authorised http and error handling, like every Google
client's. Errors are Gmail's (``google.errors``: ReauthRequired,
InsufficientScope, NotFound, RateLimited, Unavailable), named "Gmail
sending". Nothing retries: sending twice would send twice.
"""

import base64
import json
import urllib.parse
import uuid

from threadbook.google.client import GoogleClient
from threadbook.google.gmail import RawPost

SIMPLE_LIMIT = 4 * 1024 * 1024
MAX_MESSAGE_BYTES = 35 * 1024 * 1024  # Gmail's own limit for messages.send
TIMEOUT_SECONDS = 120  # 35 MB up a slow link


class GmailSender(GoogleClient):
    """Send as one mailbox (``user_id`` "me": the token's own)."""

    SERVICE = "Gmail sending"  # names the API in messages to the person (see api/google_answers.py)

    def __init__(self, credentials, api_root, user_id="me", timeout=TIMEOUT_SECONDS):
        super().__init__(credentials, timeout)
        self.api_root = api_root.rstrip("/") + "/"
        self.user_id = urllib.parse.quote(user_id, safe="")

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
        _, content = self._execute(RawPost(self._http, uri, body, content_type))
        return json.loads(content.decode("utf-8"))
