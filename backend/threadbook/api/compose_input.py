"""Read a message to send from a request body: recipients, subject, text, attachments, the email replied to.

``read_draft`` checks every field (a value Threadbook cannot write into a
message is a 400 naming the field, see ``mail_input``) and fills in what a
reply or a contact implies: the contact's primary address, the original's
sender (or its recipients when the caller sent it), ``Re: <subject>``. The
route reads attachments of up to ``SEND_MAX_ATTACHMENT_BYTES`` (25 MB)
decoded; larger answers 413 before anything is sent.
"""

import base64
import binascii
import re

from flask import current_app

from threadbook import matching
from threadbook.api.mail_input import check_one_line, check_sendable_address, one_line
from threadbook.api.params import choice, integer, string
from threadbook.api.refs import record_ref
from threadbook.crm.records import addresses_by_contact
from threadbook.errors import ApiError, not_found
from threadbook.mail.emails import EmailNotFound, visible_email
from threadbook.mail.messages import Attachment, Draft, reply_recipients, reply_subject
from threadbook.models import VISIBILITIES, Contact

MAX_RECIPIENTS = 100
MAX_ATTACHMENTS = 50
MAX_SUBJECT = 998  # RFC 5322's line limit
MAX_BODY = 1_000_000
TEXT_HEADROOM = 4 * MAX_BODY + 1024 * 1024  # the text (JSON may escape it), recipients, names
_MIME_TYPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$")
_BAD_FILENAME = re.compile(r"[\x00-\x1f\x7f/\\]")


def attachment_limit():
    return current_app.config["SEND_MAX_ATTACHMENT_BYTES"]


def request_limit():
    """The largest body the send route reads: the attachments in base64 (4/3), plus the text."""
    return attachment_limit() * 4 // 3 + 1024 + TEXT_HEADROOM


def too_large(what):
    """The 413 for attachments (or a request) over the limit."""
    limit_mb = attachment_limit() / (1024 * 1024)
    return ApiError(413, f"{what} Attachments may add up to {limit_mb:g} MB; nothing was sent.", limit_bytes=attachment_limit())


def _people(body, name):
    values = body.get(name)
    if values is None:
        return []
    if not isinstance(values, list) or len(values) > MAX_RECIPIENTS:
        raise ApiError(400, f"'{name}' must be a list of at most {MAX_RECIPIENTS} addresses.", field=name)
    people = []
    for value in values:
        if not isinstance(value, str):
            raise ApiError(400, f"Each of '{name}' must be a string such as \"Ada <ada@example.com>\".", field=name)
        try:
            display, address, _ = matching.parse_participant(value)
        except matching.InvalidAddress as exc:
            raise ApiError(400, str(exc), field=name) from exc
        check_one_line(display, f"The name in '{name}'", field=name)
        people.append((display, address))
    return people


def _sendable(people, name):
    """Return the recipients as they go into the message; raise 400 for an address a message cannot carry."""
    for _, address in people:
        check_sendable_address(address, f"'{name}'", field=name)
    # Names from stored records (a contact, the mail replied to) were never checked: clean them.
    # An internationalised domain goes out in its ASCII (punycode) form, which a plain message can carry.
    return [(one_line(display), matching.with_ascii_domain(address)) for display, address in people]


def _attachments(body):
    items = body.get("attachments")
    if items is None:
        return []
    if not isinstance(items, list) or len(items) > MAX_ATTACHMENTS:
        raise ApiError(400, f"'attachments' must be a list of at most {MAX_ATTACHMENTS} files.", field="attachments")
    encoded_total = sum(len(i.get("content_base64") or "") for i in items if isinstance(i, dict) and isinstance(i.get("content_base64"), str))
    if encoded_total * 3 // 4 > attachment_limit() + 3 * len(items):
        raise too_large("The attachments are too large.")
    out, total = [], 0
    for index, item in enumerate(items):
        where = f"attachments[{index}]"
        if not isinstance(item, dict):
            raise ApiError(400, f"{where} must be an object with filename, mime_type and content_base64.", field="attachments")
        filename = item.get("filename")
        if not isinstance(filename, str) or not filename.strip() or len(filename) > 255 or _BAD_FILENAME.search(filename):
            raise ApiError(400, f"{where}.filename must be a plain file name (no folders), 1 to 255 characters.", field="attachments")
        mime_type = item.get("mime_type", "application/octet-stream")
        if not isinstance(mime_type, str) or not _MIME_TYPE.match(mime_type):
            raise ApiError(400, f"{where}.mime_type must be a MIME type such as application/pdf.", field="attachments")
        content = item.get("content_base64")
        if not isinstance(content, str):
            raise ApiError(400, f"{where}.content_base64 must be the file in base64.", field="attachments")
        compact = re.sub(r"\s+", "", content).replace("-", "+").replace("_", "/")
        try:
            data = base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
        except (binascii.Error, ValueError):
            raise ApiError(400, f"{where}.content_base64 is not valid base64.", field="attachments") from None
        total += len(data)
        out.append(Attachment(filename.strip(), mime_type.lower(), data))
    if total > attachment_limit():
        raise too_large(f"The attachments add up to {total} bytes.")
    return out


def _reply_to(body, user):
    """The logged email replied to (one the caller may see), or None."""
    reply_id = integer(body, "reply_to_email_id", minimum=1, maximum=2**63 - 1)
    if reply_id is None:
        return None
    try:
        return visible_email(user, reply_id)
    except EmailNotFound:
        raise not_found("email") from None


def _contact_address(contact):
    """The contact as a recipient, at their primary address; 400 when they have none."""
    addresses = addresses_by_contact([contact.id]).get(contact.id)
    if not addresses:
        raise ApiError(400, "This contact has no address to write to.", field="contact_id")
    return (contact.name, addresses[0].email)


def read_draft(body, user):
    """Return the Draft a request body describes, for ``user`` to send; 400/404/413 for what cannot be sent."""
    original = _reply_to(body, user)
    to, cc, bcc = _people(body, "to"), _people(body, "cc"), _people(body, "bcc")
    contact = record_ref(body, "contact_id", Contact, "contact")
    if contact is not None and not to:
        to = [_contact_address(contact)]
    if original is not None and not (to or cc or bcc):
        to = reply_recipients(user, original)
    if not (to or cc or bcc):
        raise ApiError(400, "Say whom to write to: 'to' (or 'cc', 'bcc', 'contact_id').", field="to")
    if len(to) + len(cc) + len(bcc) > MAX_RECIPIENTS:
        raise ApiError(400, f"A message goes to at most {MAX_RECIPIENTS} people.", field="to")
    to, cc, bcc = _sendable(to, "to"), _sendable(cc, "cc"), _sendable(bcc, "bcc")
    subject = string(body, "subject", max_length=MAX_SUBJECT)
    if subject is None:
        if original is None:
            raise ApiError(400, "'subject' is required.", field="subject")
        subject = one_line(reply_subject(original.subject))  # stored mail's subject: cleaned, not refused
    check_one_line(subject, "'subject'", field="subject")
    text = body.get("body")
    if not isinstance(text, str):
        raise ApiError(400, "'body' (the message text) is required.", field="body")
    if len(text) > MAX_BODY:
        raise ApiError(400, f"'body' is longer than {MAX_BODY} characters.", field="body")
    visibility = choice(body, "visibility", VISIBILITIES)
    return Draft(to, cc, bcc, subject, text, _attachments(body), original, visibility)
