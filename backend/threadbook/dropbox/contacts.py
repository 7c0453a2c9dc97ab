"""The contacts a dropbox message creates: its recipients the CRM does not know yet.

Every recipient who is not a colleague, not at the organisation's domain, not
already a contact or lead, and not an address nobody writes from
(``noreply@``, ``notifications@``…: mail/automated.py) becomes a contact owned
by the sender, with a company by domain (none for free-mail domains).
``unknown_people`` reads before the write transaction; ``create_contacts``
checks again inside it.
"""

from threadbook import matching
from threadbook.crm import store as crm
from threadbook.mail import automated


def unknown_people(org, people, message_filter):
    """Return [(name, address, normalised)] of the external recipients the CRM does not know (reads only)."""
    unknown, seen = [], set()
    for name, address in people:
        normalized = matching.try_normalize(address)
        if normalized is None or normalized in seen or message_filter.is_colleague(normalized) or automated.is_role_address(normalized):
            continue
        seen.add(normalized)
        if crm.find_record_by_address(org.id, normalized) is None:
            unknown.append((name, address, normalized))
    return unknown


def create_contacts(org, user, unknown):
    """Create a contact for every person of ``unknown`` still unknown; return their addresses (in the write transaction)."""
    created = []
    for name, address, normalized in unknown:
        if crm.find_record_by_address(org.id, normalized) is not None:
            continue  # created meanwhile, by the API or another delivery
        company = crm.find_or_create_company(org.id, address)
        crm.create_contact(org.id, name, [address], company=company.id if company else None, owner=user.id)
        created.append(normalized)
    return created
