"""Turn one message delivered to a dropbox address into logged mail, in one transaction.

Checks, each refusing with the SMTP reply a mail server would give (``Refused``):

- the message parses and has a From header with one address (else 554 5.6.0);
- that address, normalised, is the dropbox's user (else 550 5.7.1), as the
  envelope sender was at RCPT time (``check_recipient``);
- at most ``max_recipients`` (the ``DROPBOX_MAX_RECIPIENTS`` setting, 50)
  addresses in To, Cc and Bcc, the dropbox's own not counted (else 550 5.5.3),
  and no address header too long to parse in bounded time;
- no participant is on the user's or the organisation's blocklist (550 5.7.1):
  blocked mail is never stored.

Then, in one write transaction, bounded by the recipient cap: a contact (with
a company by domain, unless the domain is free mail) for every recipient who
is neither a colleague, nor a contact or lead already, nor at the
organisation's domain (who is unknown is looked up before the transaction and
checked again inside it); and the message itself through
``mail_store.store_gmail_messages`` with ``source="dropbox"``, owned by the
user. A message without a Message-ID gets one derived from its
bytes, so a retransmission is still the same mail. The same mail delivered
twice is accepted and stored once.
"""

import base64
import dataclasses
import email.policy
import email.utils
import hashlib
import logging
import re
from email.parser import BytesParser

from .. import crm, matching
from ..db import write_transaction
from ..mail_store import html_to_text, store_gmail_messages
from ..models import Email, Organization
from ..sync.filters import MessageFilter
from .addresses import is_dropbox_address, user_for_address

log = logging.getLogger(__name__)

SNIPPET_LENGTH = 200
MAX_RECIPIENTS = 50  # default of the DROPBOX_MAX_RECIPIENTS setting
RECIPIENT_HEADERS = ("To", "Cc", "Bcc")
ADDRESS_HEADERS = ("From",) + RECIPIENT_HEADERS
# The email package's address parser takes time quadratic in a header's length
# (200,000 hostile characters: minutes); 20,000 take about a second at worst,
# and leave 400 characters a recipient at the cap.
MAX_ADDRESS_HEADER_CHARS = 20000
CHARS_PER_RECIPIENT = 400
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')


class Refused(Exception):
    """Refuse the mail with an SMTP reply (``reply`` is the whole line, code first)."""

    def __init__(self, reply):
        super().__init__(reply)
        self.reply = reply


@dataclasses.dataclass
class Ingested:
    email_id: int
    duplicate: bool
    contacts_created: list  # normalised addresses

    def reply(self):
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


def _addresses(message, name):
    """Return [(display name, address)] of an address header; ValueError when it cannot be read."""
    header = message.get(name)
    if header is None:
        return []
    found = []
    for address in getattr(header, "addresses", ()):
        if address.addr_spec and "@" in address.addr_spec:
            found.append((address.display_name or "", address.addr_spec))
    return found


def _text(message):
    """Return the message's text (its plain part, else its HTML part as text), or ""."""
    try:
        part = message.get_body(preferencelist=("plain", "html"))
        if part is None:
            return ""
        content = part.get_content()
    except (LookupError, UnicodeError, ValueError, AttributeError):
        return ""
    if not isinstance(content, str):
        return ""
    return html_to_text(content) if part.get_content_subtype() == "html" else content


def _b64(text):
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def _header_value(people):
    return ", ".join(email.utils.formataddr((name, address)) for name, address in people)


def _check_address_header_sizes(message, max_recipients):
    """Refuse, before they are parsed, address headers too long to parse in bounded time."""
    limit = max(MAX_ADDRESS_HEADER_CHARS, CHARS_PER_RECIPIENT * max_recipients)
    for raw_name, value in message.raw_items():
        name = next((n for n in ADDRESS_HEADERS if n.lower() == raw_name.lower()), None)
        if name is None or len(value) <= limit:
            continue
        # Most likely a recipient bomb: say so when a rough count (an "@" outside quotes per address) agrees.
        if name in RECIPIENT_HEADERS and _QUOTED.sub("", value).count("@") > max_recipients:
            raise too_many_recipients(max_recipients)
        raise Refused(f"554 5.6.0 The {name} header is longer than {limit} characters; nothing was logged")


def parse(raw, domain, max_recipients=MAX_RECIPIENTS):
    """Parse raw RFC 822 bytes into (from (name, address), recipients {header: [(name, address)]}, Gmail-shaped resource)."""
    try:
        message = BytesParser(policy=email.policy.default).parsebytes(raw)
    except Exception as exc:  # the email package raises many kinds on hostile input
        log.info("dropbox: unparsable message (%s)", exc.__class__.__name__)
        raise Refused("554 5.6.0 The message could not be parsed")
    _check_address_header_sizes(message, max_recipients)
    try:
        senders = _addresses(message, "From")
        recipients = {
            name: [(n, a) for n, a in _addresses(message, name) if not is_dropbox_address(a, domain)] for name in RECIPIENT_HEADERS
        }
        subject = str(message.get("Subject") or "")
        date = str(message.get("Date") or "")
        message_id = str(message.get("Message-ID") or "").strip()
        in_reply_to = str(message.get("In-Reply-To") or "").strip()
        references = str(message.get("References") or "").strip()
    except Exception as exc:  # the email package raises many kinds on hostile input
        log.info("dropbox: unparsable message (%s)", exc.__class__.__name__)
        raise Refused("554 5.6.0 The message could not be parsed")
    if len(senders) != 1 or matching.try_normalize(senders[0][1]) is None:
        raise Refused("554 5.6.0 The message needs a From header with one valid address")
    if sum(len(group) for group in recipients.values()) > max_recipients:
        raise too_many_recipients(max_recipients)
    if not message_id:
        # Derived from the bytes: the same mail sent again is recognised as such.
        message_id = f"<dropbox.{hashlib.sha256(raw).hexdigest()[:40]}@{domain or 'dropbox.invalid'}>"
    text = _text(message)
    headers = [("From", email.utils.formataddr(senders[0])), ("Subject", subject), ("Message-ID", message_id)]
    headers += [(name, _header_value(people)) for name, people in recipients.items() if people]
    headers += [(name, value) for name, value in (("Date", date), ("In-Reply-To", in_reply_to), ("References", references)) if value]
    resource = {
        "id": None,  # no Gmail id: the dropbox copy sits in no mailbox
        "threadId": None,
        "labelIds": [],
        "snippet": " ".join(text.split())[:SNIPPET_LENGTH],
        "payload": {"mimeType": "text/plain", "headers": [{"name": n, "value": v} for n, v in headers], "body": {"data": _b64(text)}},
    }
    return senders[0], recipients, resource, message_id


def _unknown_people(org, people, message_filter):
    """Return [(name, address, normalised)] of the external recipients the CRM does not know (reads only)."""
    unknown, seen = [], set()
    for name, address in people:
        normalized = matching.try_normalize(address)
        if normalized is None or normalized in seen or message_filter.is_colleague(normalized):
            continue
        seen.add(normalized)
        if crm.find_record_by_address(org.id, normalized) is None:
            unknown.append((name, address, normalized))
    return unknown


def _create_contacts(org, user, unknown):
    """Create a contact for every person of ``unknown`` still unknown; return their addresses (in the write transaction)."""
    created = []
    for name, address, normalized in unknown:
        if crm.find_record_by_address(org.id, normalized) is not None:
            continue  # created meanwhile, by the API or another delivery
        company = crm.find_or_create_company(org.id, address)
        crm.create_contact(org.id, name, [address], company=company.id if company else None, owner=user.id)
        created.append(normalized)
    return created


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
    # reached nor revealed (access.py).
    existing = Email.get_or_none((Email.org == org.id) & (Email.owner == user.id) & (Email.message_key == message_id[:500]))
    if existing is not None:
        return Ingested(existing.id, True, [])
    # Reads first, outside the write lock, so the transaction only writes (and re-checks) what is new.
    unknown = _unknown_people(org, people, message_filter)
    with write_transaction():
        created_contacts = _create_contacts(org, user, unknown)
        result = store_gmail_messages(org, user, user, [resource], source="dropbox", store_body=bool(org.store_bodies))
        email = (result.created or result.existing)[0]
    return Ingested(email.id, not result.created, created_contacts)
