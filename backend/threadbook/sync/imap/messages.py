"""Turn IMAP messages (raw RFC 822 bytes) into the Gmail-shaped resources the mail store and filters read.

The header block is read first (the filters decide on it), the text only for
mail that is kept. Addresses are parsed once here, by the standard library's
``email`` package (``policy.default``), and written back as plain
``"Name" <address>`` pairs: the store decodes RFC 2047 words in a header as a
whole, and a decoded name such as "Zoë, mallory@evil.example" must not become
a participant. A message without a Message-ID gets one derived from its header
block, so the same mail read again (after a UIDVALIDITY change, or from the
other folder) is recognised as such.
"""

import base64
import email.policy
import hashlib
import logging
import re
from email.parser import BytesParser

from threadbook.mail import automated
from threadbook.mail.store import html_to_text

log = logging.getLogger(__name__)

ADDRESS_HEADERS = ("From", "To", "Cc", "Bcc")
TEXT_HEADERS = ("Subject", "Date", "Message-ID", "In-Reply-To", "References")
# A header longer than this is not parsed (the address parser is quadratic in a header's length): the message is left out.
MAX_HEADER_CHARS = 40000
MAX_ID_CHARS = 255
SNIPPET_LENGTH = 200
_READ = {name.lower() for name in ADDRESS_HEADERS + TEXT_HEADERS}
_LINE_ENDS = re.compile("[\r\n\x00]")
_SURROGATES = re.compile("[\ud800-\udfff]")


class Unreadable(Exception):
    """The message cannot be read safely; it is left out (counted as skipped)."""


def _clean(text):
    return _SURROGATES.sub("\ufffd", _LINE_ENDS.sub(" ", text)).strip()


def _parse(data, headers_only):
    try:
        return BytesParser(policy=email.policy.default).parsebytes(data, headersonly=headers_only)
    except Exception as exc:  # the email package raises many kinds on hostile input
        raise Unreadable(f"unparsable message ({exc.__class__.__name__})") from exc


def _raw_headers(message):
    """The first value of each header, as written (unparsed), by lower-case name; refuse one too long to parse."""
    raw = {}
    for key, value in message.raw_items():
        name = key.lower()
        if name not in raw:
            if len(value) > MAX_HEADER_CHARS and name in _READ:
                raise Unreadable(f"the {key} header is longer than {MAX_HEADER_CHARS} characters")
            raw[name] = value
    return raw


def _text_header(raw, name):
    """Subject decoded (RFC 2047); the others (Date, ids) as written: the store reads them as they are."""
    value = raw.get(name.lower())
    if value is None:
        return ""
    if name != "Subject":
        return _clean(value)
    try:
        return _clean(str(email.policy.default.header_factory(name, value)))
    except Exception:  # an unreadable header reads as absent
        return ""


def _addresses(raw, name):
    """Write an address header's mailboxes as the store reads them back: quoted names, bare addresses."""
    value = raw.get(name.lower())
    if value is None:
        return ""
    try:
        mailboxes = email.policy.default.header_factory(name, value).addresses
    except Exception:
        return ""
    written = []
    for mailbox in mailboxes:
        address = _clean(mailbox.addr_spec or "")
        if "@" not in address:
            continue
        display = _clean(mailbox.display_name or "").replace("=?", "= ?").replace("\\", "\\\\").replace('"', '\\"')
        written.append(f'"{display}" <{address}>' if display else address)
    return ", ".join(written)


def _b64(text):
    return base64.urlsafe_b64encode(text.encode("utf-8", "replace")).decode("ascii").rstrip("=")


def text_of(message):
    """The message's text (its plain part, else its HTML part as text), or ""."""
    try:
        # A single part is its own body: get_body would parse its Content-Type a few dozen times to say so.
        single = not message.is_multipart() and message.get_content_maintype() == "text"
        part = message if single else message.get_body(preferencelist=("plain", "html"))
        content = part.get_content() if part is not None else ""
    except Exception:  # hostile MIME or a message cut at the fetch limit: the mail without its text
        return ""
    if not isinstance(content, str):
        return ""
    content = content.replace("\x00", "")
    return html_to_text(content) if part.get_content_subtype() == "html" else content


def resource(header_bytes, raw=None):
    """Return a Gmail-shaped message resource (no Gmail id) from a header block and, for kept mail, the whole message."""
    raw_headers = _raw_headers(_parse(header_bytes, headers_only=True))
    headers = [(name, _addresses(raw_headers, name)) for name in ADDRESS_HEADERS]
    headers += [(name, _text_header(raw_headers, name)) for name in TEXT_HEADERS]
    values = dict(headers)
    if len(values["In-Reply-To"]) > MAX_ID_CHARS:
        values["In-Reply-To"] = ""
    message_id = values["Message-ID"]
    if not message_id or len(message_id) > MAX_ID_CHARS:
        message_id = f"<imap.{hashlib.sha256(header_bytes).hexdigest()[:40]}@threadbook.invalid>"
    values["Message-ID"] = message_id
    fields = [(name, values[name]) for name in ADDRESS_HEADERS + TEXT_HEADERS if values[name]]
    for name in automated.HEADERS:
        value = raw_headers.get(name.lower())
        if value is not None:
            fields.append((name, _clean(value)[:200] or "-"))  # present, even empty, is what counts
    text = text_of(_parse(raw, headers_only=False)) if raw is not None else ""
    return {
        "id": None,  # no Gmail id: an IMAP copy sits in no Gmail mailbox
        "threadId": None,
        "labelIds": [],
        "snippet": " ".join(text.split())[:SNIPPET_LENGTH],
        "payload": {"mimeType": "text/plain", "headers": [{"name": n, "value": v} for n, v in fields], "body": {"data": _b64(text)}},
    }
