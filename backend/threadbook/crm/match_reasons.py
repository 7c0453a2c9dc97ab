"""Why the lookup matched a participant to a record: the rule, the record's address (or the domain) and a sentence.

Addresses match by their normalised key (matching.py); this module says which
part of that rule made two spellings one address, so a rep can judge a match:

- ``address``: the record's primary address as written (letter case aside);
- ``alias``: another address of the contact, as written (letter case aside);
- ``plus_tag``: the same Gmail mailbox once a ``+tag`` is ignored;
- ``gmail_dots``: the same Gmail mailbox once dots are ignored (or
  googlemail.com read as gmail.com), a ``+tag`` perhaps too;
- ``case``: the same address written in another form: Unicode composition,
  the domain in Unicode or punycode, a trailing dot;
- ``domain``: no person has the address; the company owns its domain.
"""

from threadbook import matching

RULES = ("address", "alias", "plus_tag", "gmail_dots", "case", "domain")

_KIND_WORDS = {"contact": "contact", "lead": "lead", "colleague": "your colleague", "self": "you"}


def person_match(written, normalized, kind, name, addresses):
    """The match of a person record: ``addresses`` are its [(as written, normalised, is primary)], primary first.

    Return None when none of them has the participant's normalised key (the
    record was found some other way, which the lookup never does).
    """
    found = next(((a, primary) for a, key, primary in addresses if key == normalized), None)
    if found is None:
        return None
    matched, primary = found
    rule = spelling_rule(written, matched, primary)
    return {"rule": rule, "matched": matched, "explanation": _person_sentence(rule, written, matched, kind, name, addresses)}


def domain_match(written, domain, company_name):
    """The match of a participant no person record holds, through the company that owns the address's domain."""
    return {
        "rule": "domain",
        "matched": domain,
        "explanation": f"No contact or lead has {written}; its domain {domain} belongs to the company {company_name}.",
    }


def spelling_rule(written, matched, primary):
    """Which rule makes ``written`` the record's address ``matched`` (both of one normalised key)."""
    if written.strip().lower() == matched.strip().lower():
        return "address" if primary else "alias"
    local, their_local = written.strip().rpartition("@")[0].lower(), matched.strip().rpartition("@")[0].lower()
    domain, their_domain = matching.domain_of(written), matching.domain_of(matched)
    if domain in matching.GMAIL_DOMAINS and their_domain in matching.GMAIL_DOMAINS:
        if local.split("+", 1)[0] != their_local.split("+", 1)[0]:
            return "gmail_dots"
        if local != their_local:
            return "plus_tag"
        if domain != their_domain:
            return "gmail_dots"  # googlemail.com read as gmail.com: Gmail's rule as well
    return "case"


def _who(kind, name, matched):
    if kind == "self":
        return "you"
    label = name or matched
    return f"{_KIND_WORDS.get(kind, kind)} {label}"


def _person_sentence(rule, written, matched, kind, name, addresses):
    who = _who(kind, name, matched)
    if rule == "address":
        if kind == "self":
            return f"{written} is your own address."
        return f"{written} is the address of {who}." if len(addresses) == 1 else f"{written} is the primary address of {who}."
    if rule == "alias":
        primary = addresses[0][0] if addresses else matched
        return f"{written} is another address of {who} (primary: {primary})."
    if rule == "plus_tag":
        return f"{written} is {matched} with a +tag, which Gmail delivers to the same mailbox; {matched} is an address of {who}."
    if rule == "gmail_dots":
        return f"Gmail ignores dots (and +tags) in its addresses, so {written} reaches the same mailbox as {matched}, an address of {who}."
    return f"{written} is {matched}, an address of {who}, written in another form (letter case, accents or the domain's encoding)."
