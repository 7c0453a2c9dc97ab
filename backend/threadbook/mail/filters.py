"""Decide which messages of a mailbox sync stores.

Stored: mail exchanged with at least one address outside the organisation.
Skipped: purely internal mail (every participant a colleague), drafts, chats,
spam and trash, any message with an address or domain on the user's or
the organisation's blocklist (``BlockedAddress``): blocked mail is never stored
(a blocked domain covers its subdomains); and mail no person wrote (lists,
bulk, automatic replies, no-reply senders: ``mail.automated``), verdict
``AUTOMATED``, whose reason ``automated_reason`` gives.
"""

import functools

from threadbook import matching
from threadbook.identity import addresses
from threadbook.mail import automated
from threadbook.models import BlockedAddress, User

SKIPPED_LABELS = frozenset({"DRAFT", "SPAM", "TRASH", "CHAT"})
STORE, INTERNAL, BLOCKED, SKIPPED, AUTOMATED = "store", "internal", "blocked", "skipped", "automated"
PARTICIPANT_HEADERS = ("from", "to", "cc", "bcc")


def is_domain_pattern(pattern):
    return "@" not in pattern


def _domain_and_parents(domain):
    labels = domain.split(".")
    return {".".join(labels[i:]) for i in range(len(labels) - 1)}


def header_map(message):
    """Return the message's headers as {lowercase name: value} (the first of each)."""
    headers = {}
    for header in message.get("payload", {}).get("headers", []) or []:
        name = (header.get("name") or "").lower()
        if name and name not in headers:
            headers[name] = header.get("value") or ""
    return headers


@functools.lru_cache(maxsize=16384)
def header_addresses(value):
    """Return the normalised addresses in one address header (invalid ones left out).

    Cached: the mailbox's own address and its regular correspondents repeat on every page.
    """
    return tuple(n for n in (matching.try_normalize(a) for _, a in matching.parse_mailbox_list(value)) if n)


def _automated(headers):
    senders = header_addresses(headers.get("from") or "")
    return automated.reason(headers, senders[0] if senders else None)


def automated_reason(message):
    """(reason, detail) when a Gmail message resource was not written by a person (``mail.automated``), else None."""
    return _automated(header_map(message))


def participant_addresses(message, headers=None):
    """Return the normalised addresses of From, To, Cc and Bcc (invalid ones left out)."""
    headers = header_map(message) if headers is None else headers
    addresses = []
    for name in PARTICIPANT_HEADERS:
        value = headers.get(name)
        if value:
            addresses.extend(header_addresses(value))
    return addresses


class MessageFilter:
    """Classify a mailbox's messages for one user: store, internal, blocked or skipped."""

    def __init__(self, org, user):
        self.org_domain = (org.domain or "").lower() or None
        self.colleagues = {u.email_normalized for u in User.select(User.email_normalized).where(User.org == org.id)}
        # Addresses members had before a change (identity/addresses.py) are still theirs.
        self.colleagues |= addresses.org_other_addresses(org.id)
        rows = BlockedAddress.select(BlockedAddress.pattern).where(
            (BlockedAddress.org == org.id) & (BlockedAddress.user.is_null() | (BlockedAddress.user == user.id))
        )
        patterns = {row.pattern for row in rows}
        self.blocked_domains = {p for p in patterns if is_domain_pattern(p)}
        self.blocked_addresses = patterns - self.blocked_domains

    def is_colleague(self, normalized):
        if normalized in self.colleagues:
            return True
        if self.org_domain:
            domain = matching.domain_of(normalized)
            return domain == self.org_domain or domain.endswith("." + self.org_domain)
        return False

    def is_blocked(self, normalized):
        if normalized in self.blocked_addresses:
            return True
        return bool(self.blocked_domains) and bool(_domain_and_parents(matching.domain_of(normalized)) & self.blocked_domains)

    def classify(self, message):
        """Return (verdict, normalised addresses) for a Gmail message resource.

        The verdict is STORE, INTERNAL, BLOCKED, AUTOMATED or SKIPPED.
        """
        if SKIPPED_LABELS.intersection(message.get("labelIds") or ()):
            return SKIPPED, []
        headers = header_map(message)
        addresses = participant_addresses(message, headers)
        if not addresses:
            return SKIPPED, addresses
        if any(self.is_blocked(a) for a in addresses):
            return BLOCKED, addresses
        if all(self.is_colleague(a) for a in addresses):
            return INTERNAL, addresses
        if _automated(headers) is not None:
            return AUTOMATED, addresses
        return STORE, addresses


def without_blocked_for_manual_log(org, user, messages):
    """Return (messages to log, how many were left out) for "Log thread": the blocklist applies when the organisation says so.

    ``Organization.blocklist_applies_to_manual_logs`` (default true): the
    blocklist keeps mail out of the CRM whoever asks, since a person logging a
    thread by hand rarely checks who else is on it. Off, logging by hand is
    the user's own explicit choice and stores every message.
    """
    if not org.blocklist_applies_to_manual_logs or not messages:
        return messages, 0
    message_filter = MessageFilter(org, user)
    kept = [m for m in messages if not any(message_filter.is_blocked(a) for a in participant_addresses(m))]
    return kept, len(messages) - len(kept)


def blocked_warning(count):
    return (
        f"{count} message{'s' if count != 1 else ''} of this thread {'were' if count != 1 else 'was'} not logged: "
        "a participant is on your or your organisation's blocklist."
    )
