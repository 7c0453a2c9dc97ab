"""Turn one message delivered to a dropbox address into logged mail, in one transaction.

Checks, each refusing with the SMTP reply a mail server would give (``Refused``);
invalid content is refused for good (554 5.6.0, naming the problem), since
sending it again cannot help:

- the message parses; each header read (From, To, Cc, Bcc, Subject, Date,
  Message-ID, In-Reply-To, References) appears once at most, is at most 20,000
  characters (address headers: 400 a recipient, if more), is UTF-8 (RFC 6532:
  8-bit headers are read as UTF-8) and holds no NUL byte, raw or decoded from
  an RFC 2047 word; nor does the text; Message-ID and In-Reply-To fit their
  columns (255 characters);
- From holds one valid address (an internationalised domain is written as DNS
  knows it, in both From and recipients);
- that address, normalised, is the dropbox's user (else 550 5.7.1), as the
  envelope sender was at RCPT time (``check_recipient``);
- at most ``max_recipients`` (the ``DROPBOX_MAX_RECIPIENTS`` setting, 50)
  addresses in To, Cc and Bcc, the dropbox's own not counted (else 550 5.5.3);
- what mail_store will read back is what was checked: names are written
  quoted, never as RFC 2047 words, and the participants it reads are compared;
- no participant is on the user's or the organisation's blocklist (550 5.7.1):
  blocked mail is never stored.

Then, in one write transaction, bounded by the recipient cap: a contact (with
a company by domain, unless the domain is free mail) for every recipient who
is neither a colleague, nor a contact or lead already, nor at the
organisation's domain, nor an address nobody writes from (noreply@…), unless
the message itself is mail no person wrote (a list, bulk, an automatic
message: mail/automated.py), which makes no contacts (``contacts.py``; who is
unknown is looked up before the transaction and checked again inside it); and the message itself through
``mail_store.store_gmail_messages`` with ``source="dropbox"``, owned by the
user. A message without a Message-ID gets one derived from its
bytes, so a retransmission is still the same mail. The same mail delivered
twice is accepted and stored once. Mail the user unlogged is accepted and
left out (mail/unlogged.py): no contact is created for it either.
"""

import base64
import dataclasses
import datetime
import email.policy
import email.utils
import hashlib
import logging
import re
from email.parser import BytesParser

from threadbook import matching
from threadbook.db import write_transaction
from threadbook.dropbox import contacts
from threadbook.dropbox.addresses import is_dropbox_address, user_for_address
from threadbook.mail import automated, filters, unlogged
from threadbook.mail.content_policy import wants_bodies
from threadbook.mail.filters import MessageFilter
from threadbook.mail.store import html_to_text, parse_gmail_message, store_gmail_messages
from threadbook.models import Email, Organization

log = logging.getLogger(__name__)

SNIPPET_LENGTH = 200
MAX_RECIPIENTS = 50  # default of the DROPBOX_MAX_RECIPIENTS setting
RECIPIENT_HEADERS = ("To", "Cc", "Bcc")
ADDRESS_HEADERS = ("From",) + RECIPIENT_HEADERS
# The headers read, each allowed once; any other header is left alone.
_READ_HEADERS = {name.lower(): name for name in ADDRESS_HEADERS + ("Subject", "Date", "Message-ID", "In-Reply-To", "References")}
# Headers longer are refused unparsed: the email package's address parser takes
# time quadratic in a header's length (200,000 hostile characters: minutes;
# 20,000: about a second). Address headers get 400 characters a recipient.
MAX_HEADER_CHARS = 20000
CHARS_PER_RECIPIENT = 400
MAX_ID_CHARS = 255  # the Message-ID and In-Reply-To columns (VARCHAR(255) on PostgreSQL)
MAX_NAME_CHARS = 255  # name columns: a participant's, a contact's (and its lower case)
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_SURROGATE = re.compile("[\ud800-\udfff]")
_LINE_ENDS = re.compile("[\r\n]")


class Refused(Exception):
    """Refuse the mail with an SMTP reply (``reply`` is the whole line, code first)."""

    def __init__(self, reply):
        super().__init__(reply)
        self.reply = reply


@dataclasses.dataclass
class Ingested:
    email_id: int | None
    duplicate: bool
    contacts_created: list  # normalised addresses
    unlogged: bool = False  # the user unlogged this mail: left out

    def reply(self):
        if self.unlogged:
            return "250 2.0.0 Not logged: you unlogged this message in Threadbook"
        if self.duplicate:
            return f"250 2.0.0 Already logged as email {self.email_id}"
        return f"250 2.0.0 Logged as email {self.email_id}"


def too_many_recipients(cap):
    """Return the refusal of a message with more than ``cap`` recipients."""
    # 550, not 552: RFC 5321 4.5.3.1.10 tells clients to take a 552 for too many
    # recipients as temporary (RFC 821's code for what is now 452), so they would
    # retry; RFC 3463's X.5.3 "too many recipients" is "useful only as a permanent error".
    return Refused(f"550 5.5.3 Too many recipients: at most {cap} per message are logged; nothing was logged")


def check_recipient(mail_from, recipient, domain):
    """Return the user of a dropbox recipient whose envelope sender is that user; else raise Refused."""
    user = user_for_address(recipient, domain)
    if user is None:
        raise Refused("550 5.1.1 No such dropbox here")
    if matching.try_normalize(mail_from or "") != user.email_normalized:
        raise Refused("550 5.7.1 Only the dropbox's owner may send to it")
    return user


def _refuse(problem):
    """Return the permanent refusal of invalid content: sending it again cannot help."""
    return Refused(f"554 5.6.0 {problem}; nothing was logged")


def _shown(text):
    """Quote hostile text for an SMTP reply: ASCII, one line, short."""
    return ascii(text[:100])


def _check_text(where, value):
    """Refuse text no database can store: a NUL (PostgreSQL refuses it) or an undecodable byte (a lone surrogate)."""
    if "\x00" in value:
        raise _refuse(f"The message has a NUL byte in the {where}")
    if _SURROGATE.search(value):
        raise _refuse(f"The {where} has bytes that are not valid in its character set")


def _check_size(name, value, max_recipients):
    """Refuse a header too long to parse in bounded time."""
    limit = MAX_HEADER_CHARS
    if name in ADDRESS_HEADERS:
        limit = max(limit, CHARS_PER_RECIPIENT * max_recipients)
    if len(value) <= limit:
        return
    # Most likely a recipient bomb: say so when a rough count (an "@" outside quotes per address) agrees.
    if name in RECIPIENT_HEADERS and _QUOTED.sub("", value).count("@") > max_recipients:
        raise too_many_recipients(max_recipients)
    raise _refuse(f"The {name} header is longer than {limit} characters")


def _utf8(name, value):
    """Decode a raw header value's 8-bit bytes as UTF-8 (RFC 6532); refuse any other bytes."""
    # BytesParser keeps each byte above 127 as a lone surrogate ("surrogateescape").
    try:
        return value.encode("ascii", "surrogateescape").decode("utf-8")
    except UnicodeError:
        raise _refuse(f"The {name} header is not valid UTF-8") from None


def _read_headers(message, max_recipients):
    """Return {name: value} of the headers the dropbox reads, unfolded and decoded; refuse what cannot be stored.

    Each may appear once (RFC 5322 3.6): a second From line would ride a forged
    sender in behind the real one. Sizes are checked before anything is parsed.
    """
    values = {}
    for raw_name, raw_value in message.raw_items():
        name = _READ_HEADERS.get(raw_name.strip().lower())
        if name is None:
            continue
        if name in values:
            raise _refuse(f"The message has more than one {name} header")
        _check_size(name, raw_value, max_recipients)
        value = _utf8(name, raw_value)
        _check_text(f"{name} header", value)
        # Unfold at CR and LF only: U+2028 and U+0085 are text, not line ends, in a header.
        values[name] = _LINE_ENDS.sub("", value).strip()
    return values


def _parsed(name, value):
    """Return the email package's reading of a decoded header value; refuse what it cannot read."""
    try:
        return email.policy.default.header_factory(name, value)
    except Exception as exc:  # the email package raises many kinds on hostile input
        log.info("dropbox: unreadable %s header (%s)", name, exc.__class__.__name__)
        raise _refuse(f"The {name} header could not be parsed") from exc


def _ascii_domain(address):
    """Write an internationalised domain as DNS knows it (bücher.example: xn--bcher-kva.example)."""
    local, _, domain = address.rpartition("@")
    if domain.isascii():
        return address
    try:
        return f"{local}@{domain.encode('idna').decode('ascii')}"
    except UnicodeError:
        return address  # no valid domain: the address stays invalid


def _fit(name):
    """Return a display name on one line, short enough for a name column in either case (255 characters)."""
    name = " ".join(name.split())[:MAX_NAME_CHARS]
    while len(name.lower()) > MAX_NAME_CHARS:  # some capitals lower-case to two characters
        name = name[:-1]
    return name


def _mailboxes(headers, name):
    """Return [(display name, address as written, address or None when not valid)] of an address header."""
    if name not in headers:
        return []
    found = []
    for mailbox in _parsed(name, headers[name]).addresses:
        display_name, written = _fit(mailbox.display_name or ""), mailbox.addr_spec or ""
        _check_text(f"{name} header", display_name + written)
        address = _ascii_domain(written)
        normalized = matching.try_normalize(address)
        valid = normalized is not None and len(normalized) <= matching.MAX_ADDRESS_LENGTH
        found.append((display_name, written, address if valid else None))
    return found


def _sender(headers):
    """Return the From header's one (name, address); refuse anything else."""
    if "From" not in headers:
        raise _refuse("The message has no From header")
    senders = _mailboxes(headers, "From")
    if len(senders) != 1:
        raise _refuse(f"The From header must hold one address, not {len(senders)}")
    name, written, address = senders[0]
    if address is None:
        raise _refuse(f"The address {_shown(written)} in the From header is not valid")
    return name, address


def _recipients(headers, domain, max_recipients):
    """Return {header: [(name, address)]} of the valid recipients, the dropbox's own left out; refuse over the cap."""
    recipients, count = {}, 0
    for name in RECIPIENT_HEADERS:
        people = [(n, a) for n, _, a in _mailboxes(headers, name) if a is None or not is_dropbox_address(a, domain)]
        count += len(people)
        recipients[name] = [(n, a) for n, a in people if a is not None]  # "undisclosed-recipients:;" and the like
    if count > max_recipients:
        raise too_many_recipients(max_recipients)
    return recipients


def _message_id(headers, name):
    """Return a Message-ID-like header as written; refuse one longer than its column."""
    value = headers.get(name, "")
    if len(value) > MAX_ID_CHARS:
        raise _refuse(f"The {name} header is longer than {MAX_ID_CHARS} characters")
    return value


def _usable_date(value):
    """Return the Date header when mail_store can convert it to UTC, else "" (the time of logging is used)."""
    try:
        parsed = email.utils.parsedate_to_datetime(value)
        if parsed.tzinfo is not None:
            parsed.astimezone(datetime.UTC)
    except Exception:  # TypeError, ValueError, IndexError; OverflowError near year 1
        return ""
    return value


def _text(message):
    """Return the message's text (its plain part, else its HTML part as text), or ""."""
    try:
        part = message.get_body(preferencelist=("plain", "html"))
        if part is None:
            return ""
        content = part.get_content()
    except Exception:  # hostile MIME (deep nesting, unknown charsets): the mail without its text
        return ""
    if not isinstance(content, str):
        return ""
    return html_to_text(content) if part.get_content_subtype() == "html" else content


def _b64(text):
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def _mailbox(name, address):
    """Write a mailbox that mail_store reads back as exactly this name and address.

    The name is quoted, never an RFC 2047 word: mail_store decodes a header
    holding words as a whole, and a decoded "Zoë, mallory@evil.example" would
    become a participant, past the blocklist.
    """
    if not name:
        return address
    name = name.replace("=?", "= ?").replace("\\", "\\\\").replace('"', '\\"')
    return f'"{name}" <{address}>'


def _header_value(people):
    return ", ".join(_mailbox(name, address) for name, address in people)


def _check_read_back(resource, sender, recipients):
    """Refuse a message that mail_store would store otherwise than it was checked here."""
    stored = parse_gmail_message(resource)
    if stored.from_email != sender[1]:
        raise _refuse("The From header could not be read unambiguously")
    for name, group in (("To", stored.to), ("Cc", stored.cc), ("Bcc", stored.bcc)):
        if [a for _, a in group] != [a for _, a in recipients[name]]:
            raise _refuse(f"The {name} header could not be read unambiguously")
        for display_name, address in group:
            _check_text(f"{name} header", display_name + address)
    _check_text("Subject header", stored.subject)
    _check_text("From header", stored.from_name)


def _automation_headers(message):
    """The headers that tell mail no person wrote (mail/automated.py), first of each, short and on one line."""
    found = []
    for name in automated.HEADERS:
        try:
            value = message.get(name)
        except Exception:  # hostile header: as if absent
            value = None
        if value is not None:
            text = _LINE_ENDS.sub(" ", str(value)).replace("\x00", "")[:200]
            found.append((name, text or "-"))  # present, even empty, is what counts
    return found


def parse(raw, domain, max_recipients=MAX_RECIPIENTS):
    """Parse raw RFC 822 bytes into (from (name, address), recipients {header: [(name, address)]}, Gmail-shaped resource, Message-ID)."""
    try:
        message = BytesParser(policy=email.policy.default).parsebytes(raw)
    except Exception as exc:  # the email package raises many kinds on hostile input
        log.info("dropbox: unparsable message (%s)", exc.__class__.__name__)
        raise _refuse("The message could not be parsed") from exc
    headers = _read_headers(message, max_recipients)
    sender = _sender(headers)
    recipients = _recipients(headers, domain, max_recipients)
    subject = str(_parsed("Subject", headers["Subject"])) if "Subject" in headers else ""
    message_id = _message_id(headers, "Message-ID")
    in_reply_to = _message_id(headers, "In-Reply-To")
    if not message_id:
        # Derived from the bytes: the same mail sent again is recognised as such.
        message_id = f"<dropbox.{hashlib.sha256(raw).hexdigest()[:40]}@{domain or 'dropbox.invalid'}>"
    text = _text(message)
    _check_text("message text", text)
    fields = [("From", _mailbox(*sender)), ("Subject", subject), ("Message-ID", message_id)]
    fields += [(name, _header_value(people)) for name, people in recipients.items() if people]
    optional = (("Date", _usable_date(headers.get("Date", ""))), ("In-Reply-To", in_reply_to), ("References", headers.get("References", "")))
    fields += [(name, value) for name, value in optional if value]
    fields += _automation_headers(message)
    resource = {
        "id": None,  # no Gmail id: the dropbox copy sits in no mailbox
        "threadId": None,
        "labelIds": [],
        "snippet": " ".join(text.split())[:SNIPPET_LENGTH],
        "payload": {"mimeType": "text/plain", "headers": [{"name": n, "value": v} for n, v in fields], "body": {"data": _b64(text)}},
    }
    _check_read_back(resource, sender, recipients)
    return sender, recipients, resource, message_id


def ingest(raw, user, domain, max_recipients=MAX_RECIPIENTS):
    """Log one dropbox message for ``user``; return Ingested, or raise Refused."""
    (_, sender), recipients, resource, message_id = parse(raw, domain, max_recipients)
    if matching.try_normalize(sender) != user.email_normalized:
        raise Refused("550 5.7.1 The From header must be the dropbox's owner")
    org = Organization.get_by_id(user.org_id)
    people = [person for group in recipients.values() for person in group]
    message_filter = MessageFilter(org, user)
    everyone = [matching.try_normalize(a) for _, a in people] + [user.email_normalized]
    if any(a and message_filter.is_blocked(a) for a in everyone):
        raise Refused("550 5.7.1 A participant is on your blocklist; the message was not logged")
    # Only the sender's own copies count: a colleague's mail under the same Message-ID is neither
    # reached nor revealed (identity/access.py).
    existing = Email.get_or_none((Email.org == org.id) & (Email.owner == user.id) & (Email.message_key == message_id[:500]))
    if existing is not None:
        return Ingested(existing.id, True, [])
    if unlogged.among(user.id, [parse_gmail_message(resource).message_key(user.id)]):
        return Ingested(None, False, [], unlogged=True)
    # Reads first, outside the write lock, so the transaction only writes (and re-checks) what is new.
    # Mail no person wrote (a list, bulk, an automatic message) makes no contacts, nor do no-reply addresses.
    unknown = [] if filters.automated_reason(resource) else contacts.unknown_people(org, people, message_filter)
    with write_transaction():
        created_contacts = contacts.create_contacts(org, user, unknown)
        result = store_gmail_messages(org, user, user, [resource], source="dropbox", store_body=wants_bodies(org))
        if not (result.created or result.existing):  # unlogged meanwhile
            return Ingested(None, False, [], unlogged=True)
        email = (result.created or result.existing)[0]
    return Ingested(email.id, not result.created, created_contacts)
