"""Which CRM contacts a user copies to Google Contacts, and what each becomes there.

The filter narrows what the user may see (``identity.access.visible_contacts``):
"mine" (contacts they own, the default), "all", "company" (one company's) or
"owner" (one colleague's). ``person`` is the People API body Threadbook
writes, and ``fingerprint`` a digest of it, so a CRM edit is noticed by
comparing digests rather than timestamps.
"""

import hashlib
import json

from threadbook.crm.records import addresses_by_contact, companies_by_id
from threadbook.identity.access import visible_contacts
from threadbook.models import Contact


def selected_contacts(user, setting):
    """Return the contacts the user's filter selects, among those they may see."""
    query = Contact.select().where(visible_contacts(user))
    kind, value = setting.filter_kind, setting.filter_value
    if kind == "mine":
        query = query.where(Contact.owner == user.id)
    elif kind == "company":
        query = query.where(Contact.company == value)
    elif kind == "owner":
        query = query.where(Contact.owner == value)
    return list(query.order_by(Contact.id))


def _names(name):
    given, _, family = (name or "").strip().partition(" ")
    names = {"givenName": given}
    if family.strip():
        names["familyName"] = family.strip()
    return [names] if given else []


def people_bodies(contacts):
    """Return {contact id: People API person} for ``contacts``, with a fixed number of queries."""
    addresses = addresses_by_contact([c.id for c in contacts])
    companies = companies_by_id(c.company_id for c in contacts)
    bodies = {}
    for contact in contacts:
        company = companies.get(contact.company_id)
        organization = {k: v for k, v in (("name", company.name if company else None), ("title", contact.title)) if v}
        bodies[contact.id] = {
            "names": _names(contact.name),
            "emailAddresses": [{"value": a.email} for a in addresses[contact.id]],
            "phoneNumbers": [{"value": contact.phone}] if contact.phone else [],
            "organizations": [organization] if organization else [],
        }
    return bodies


def fingerprint(person):
    """A digest of what Threadbook writes for a contact: it changes when the CRM's fields do."""
    return hashlib.sha256(json.dumps(person, sort_keys=True).encode()).hexdigest()[:32]


def google_summary(person):
    """What a Google contact holds, in a few words the user recognises (for a conflict)."""
    names = person.get("names") or [{}]
    name = names[0].get("displayName") or " ".join(filter(None, (names[0].get("givenName"), names[0].get("familyName"))))
    return {
        "name": name or "",
        "emails": [e.get("value") for e in person.get("emailAddresses") or [] if e.get("value")],
        "phones": [p.get("value") for p in person.get("phoneNumbers") or [] if p.get("value")],
    }
