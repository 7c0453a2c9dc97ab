"""Mail no person wrote: lists, bulk mail, automatic replies and notices, and the addresses they come from.

``reason(headers, sender)`` answers ``(reason, detail)`` or None, from the
message's headers (``{lowercase name: value}``) and its sender's normalised
address, first match wins:

- ``role_address``: the sender is an address nobody writes from
  (``noreply@``, ``no-reply@``, ``donotreply@``, ``notifications@``,
  ``mailer-daemon@``, ``postmaster@``, ``bounce@``… also with a suffix such as
  ``noreply-billing@``). Addresses people do answer from (``sales@``,
  ``support@``, ``info@``) are not on the list;
- ``mailing_list``: a ``List-Unsubscribe`` or ``List-Id`` header (RFC 2369,
  2919), or ``Precedence: list``;
- ``bulk``: ``Precedence: bulk`` or ``junk``;
- ``auto_submitted``: ``Auto-Submitted`` other than ``no`` (RFC 3834: automatic
  replies, out-of-office notices, generated mail).

Mail sync does not store such mail and records why (``FilteredThread``), so the
panel can say it and offer "Log anyway" (logging by hand stores it); the
dropbox makes no contact of such a sender or recipient. ``explanation`` is the
sentence a person reads.
"""

import re

# Headers that tell automated mail: fetched with every message (google/gmail.py METADATA_HEADERS).
HEADERS = ("List-Unsubscribe", "List-Id", "Precedence", "Auto-Submitted")
REASONS = ("role_address", "mailing_list", "bulk", "auto_submitted")

# Local parts nobody writes from; a separator and more may follow (noreply-billing, no_reply.eu).
_ROLE = re.compile(
    r"^(no[-_.]?reply|do[-_.]?not[-_.]?reply|notifications?|notify|mailer[-_.]?daemon|postmaster|bounces?|daemon|auto[-_.]?reply|autoresponder)([-_.+].*)?$"
)

_EXPLANATIONS = {
    "role_address": "It came from {detail}, an address no person writes from, so it was not logged automatically.",
    "mailing_list": "It was sent to a mailing list ({detail}), so it was not logged automatically.",
    "bulk": "It is bulk mail ({detail}), so it was not logged automatically.",
    "auto_submitted": "It is an automatic message ({detail}), not written by a person, so it was not logged automatically.",
}


def is_role_address(normalized):
    """Whether an address is one nobody writes from (noreply@, notifications@…)."""
    local, _, domain = (normalized or "").rpartition("@")
    return bool(domain) and bool(_ROLE.match(local.lower()))


def reason(headers, sender):
    """Return (reason, detail) when the message was not written by a person, else None."""
    if sender and is_role_address(sender):
        return "role_address", sender
    for name in ("list-unsubscribe", "list-id"):
        if headers.get(name, "").strip():
            return "mailing_list", "List-Unsubscribe header" if name == "list-unsubscribe" else "List-Id header"
    precedence = headers.get("precedence", "").strip().lower()
    if precedence == "list":
        return "mailing_list", "Precedence: list"
    if precedence in ("bulk", "junk"):
        return "bulk", f"Precedence: {precedence}"
    submitted = headers.get("auto-submitted", "").strip().lower()
    if submitted and submitted.split(";")[0].strip() != "no":
        return "auto_submitted", f"Auto-Submitted: {submitted.split(';')[0].strip()[:50]}"
    return None


def explanation(reason_code, detail):
    """The sentence the panel shows for a filtered thread."""
    return _EXPLANATIONS.get(reason_code, "It was not logged automatically.").format(detail=detail)
