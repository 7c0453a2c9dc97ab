"""The sync blocklist: addresses and domains whose mail is never stored (mail/filters.py applies it).

Each user keeps their own entries; administrators keep the organisation's,
which apply to every mailbox. Entries are normalised (``John.Doe@GMail.com`` ->
``johndoe@gmail.com``; ``@Acme.com``, ``*.acme.com`` -> ``acme.com``). A
blocked domain covers its subdomains.
"""

import re

from threadbook import matching
from threadbook.db import write_transaction
from threadbook.identity.access import is_admin
from threadbook.models import BlockedAddress

SCOPES = ("user", "org")
_DOMAIN = re.compile(r"^(?=.{3,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$")


class InvalidPattern(ValueError):
    """Neither an email address nor a domain."""


class AdminOnly(Exception):
    """Only an administrator may change the organisation's entries."""


class AlreadyBlocked(Exception):
    """The pattern is already on that blocklist; ``entry`` is the entry."""

    def __init__(self, message, entry):
        super().__init__(message)
        self.entry = entry


class NoSuchEntry(LookupError):
    """No entry with that id that the user sees."""


def normalize_pattern(raw):
    """Return (pattern, kind) for an address or a domain, or raise InvalidPattern."""
    value = raw.strip().lower()
    if value.startswith("*."):
        value = value[2:]
    if value.startswith("@"):
        value = value[1:]
    if "@" in value:
        try:
            return matching.normalize_address(value), "address"
        except matching.InvalidAddress:
            raise InvalidPattern(f"'{raw}' is not a valid email address.") from None
    value = value.strip(".")
    if not _DOMAIN.match(value):
        raise InvalidPattern(f"'{raw}' is neither an email address nor a domain like example.com.")
    return value, "domain"


def kind_of(entry):
    return "address" if "@" in entry.pattern else "domain"


def scope_of(entry):
    return "user" if entry.user_id else "org"


def visible_entries(user, org):
    """Entries the user sees: their own and the organisation's."""
    return BlockedAddress.select().where((BlockedAddress.org == org.id) & (BlockedAddress.user.is_null() | (BlockedAddress.user == user.id)))


def listed(user, org):
    """The entries the user sees, by pattern."""
    return visible_entries(user, org).order_by(BlockedAddress.pattern, BlockedAddress.id)


def add(user, org, pattern, scope="user"):
    """Block ``pattern`` (as normalize_pattern returns it) for the user or, by an administrator, the organisation."""
    if scope == "org" and not is_admin(user):
        raise AdminOnly("Only an administrator can block an address for the whole organisation; use scope 'user' for yourself.")
    owner = None if scope == "org" else user.id
    with write_transaction():
        # NULL user ids never collide in a unique index, so check org-wide entries here.
        owner_clause = BlockedAddress.user.is_null() if owner is None else BlockedAddress.user == owner
        existing = BlockedAddress.get_or_none((BlockedAddress.org == org.id) & owner_clause & (BlockedAddress.pattern == pattern))
        if existing is not None:
            raise AlreadyBlocked(f"'{pattern}' is already on the {scope} blocklist.", existing)
        return BlockedAddress.create(org=org.id, user=owner, pattern=pattern)


def remove(user, org, entry_id):
    """Remove an entry the user sees; the organisation's need an administrator."""
    with write_transaction():
        entry = visible_entries(user, org).where(BlockedAddress.id == entry_id).first()
        if entry is None:
            raise NoSuchEntry(entry_id)
        if entry.user_id is None and not is_admin(user):
            raise AdminOnly("Only an administrator can remove an organisation-wide blocklist entry.")
        entry.delete_instance()
