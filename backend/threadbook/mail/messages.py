"""What a message sent from the CRM looks like: the draft, its reply headers, and the RFC 822 message built from it.

``build_message`` writes the draft with the standard library's
``EmailMessage``: a reply carries ``In-Reply-To``, ``References`` and a
``Re:`` subject, so every mail client threads it. Nothing here talks to Gmail
or the database.
"""

import base64
import dataclasses
import datetime
import email.policy
import email.utils
import html
import re
from email.message import EmailMessage

from threadbook import matching
from threadbook.identity import addresses
from threadbook.models import Email

MAX_REFERENCES = 20  # message ids kept in References (the first and the latest ones)


@dataclasses.dataclass
class Attachment:
    filename: str
    mime_type: str
    data: bytes


@dataclasses.dataclass
class Draft:
    """What to send: recipients as (name, address) pairs, text, attachments, and the email replied to."""

    to: list
    cc: list
    bcc: list
    subject: str
    body: str
    attachments: list = dataclasses.field(default_factory=list)
    reply_to: Email = None
    # The sharing level chosen for the sent copy; None follows the defaults (identity/access.py).
    visibility: str = None


def reply_recipients(user, original):
    """Whom a reply goes to by default, as (name, address) pairs: the sender, or the original recipients when the user sent it."""
    sender = matching.try_normalize(original.from_email)
    # Mail the user sent from an address they had before (identity/addresses.py) is theirs too.
    if sender == user.email_normalized or (sender and sender in addresses.other_addresses(user.id)):
        return [(p.get("name") or "", p["email"]) for p in (original.to or [])]
    return [(original.from_name or "", original.from_email)]


def reply_subject(subject):
    """``Re: <subject>``, without stacking prefixes."""
    subject = (subject or "").strip()
    return subject if re.match(r"^re\s*:", subject, re.IGNORECASE) else f"Re: {subject}".strip()


def reply_references(original):
    """The References of a reply: the original's References, then its Message-ID (bounded)."""
    ids = re.findall(r"<[^<>\s]+>", original.references or "")
    if original.rfc_message_id and original.rfc_message_id not in ids:
        ids.append(original.rfc_message_id)
    if len(ids) > MAX_REFERENCES:
        ids = ids[:1] + ids[-(MAX_REFERENCES - 1) :]  # RFC 5322 3.6.4: keep the first and the latest
    return " ".join(ids)


def _header_list(people):
    return ", ".join(email.utils.formataddr((name, address)) for name, address in people)


def build_message(user, draft):
    """Return the EmailMessage for a draft, from the user's address."""
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = email.utils.formataddr((user.name or "", user.email))
    if draft.to:
        message["To"] = _header_list(draft.to)
    if draft.cc:
        message["Cc"] = _header_list(draft.cc)
    if draft.bcc:
        message["Bcc"] = _header_list(draft.bcc)  # Gmail delivers to Bcc and keeps it in the sender's copy only
    message["Subject"] = draft.subject
    message["Date"] = email.utils.format_datetime(datetime.datetime.now(datetime.UTC))
    message["Message-ID"] = email.utils.make_msgid(domain=matching.domain_of(user.email) or None)
    if draft.reply_to is not None and draft.reply_to.rfc_message_id:
        message["In-Reply-To"] = draft.reply_to.rfc_message_id
        message["References"] = reply_references(draft.reply_to)
    message.set_content(draft.body)
    for attachment in draft.attachments:
        maintype, _, subtype = attachment.mime_type.partition("/")
        message.add_attachment(attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename)
    return message


def sent_resource(message, sent):
    """A Gmail-shaped resource of what was sent, for when Gmail will not let us read it back."""
    names = ("From", "To", "Cc", "Bcc", "Subject", "Date", "Message-ID", "In-Reply-To", "References")
    headers = [{"name": name, "value": str(message[name])} for name in names if message[name] is not None]
    body = message.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    return {
        "id": sent["id"],
        "threadId": sent.get("threadId") or sent["id"],
        "labelIds": list(sent.get("labelIds") or ["SENT"]),
        "snippet": html.escape(" ".join(text.split())[:200]),
        "payload": {"mimeType": "text/plain", "headers": headers, "body": {"data": base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")}},
    }
