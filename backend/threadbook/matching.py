"""Address normalisation and domain classification, in one module.

Addresses compare case-insensitively; at gmail.com and googlemail.com dots and
``+tags`` in the local part do not matter (Gmail delivers them to the same
mailbox), so ``John.Doe+crm@GoogleMail.com`` normalises to ``johndoe@gmail.com``.
The original is always kept for display. Companies match by registrable domain
(``mail.acme.co.uk`` -> ``acme.co.uk``) from tldextract's bundled public suffix
snapshot, never a download.
"""

import functools
import re
from email.utils import getaddresses, parseaddr
from importlib import resources

import disposable_email_domains
import tldextract

GMAIL_DOMAINS = {"gmail.com", "googlemail.com"}
MAX_ADDRESS_LENGTH = 254
# Deliberately plain: RFC 5322 allows more, but nothing a CRM should store.
_ADDRESS = re.compile(r"^[^@\s<>(),;:\"\[\]\\\x00-\x1f\x7f]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")

# suffix_list_urls=() and cache_dir=None: use the snapshot shipped in the
# package, with no network and no cache files.
_extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


class InvalidAddress(ValueError):
    """An address that cannot be an email address."""


@functools.lru_cache(maxsize=1)
def _free_mail_domains():
    text = resources.files("threadbook.data").joinpath("free_mail_domains.txt").read_text()
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def is_valid_address(address):
    if not address or len(address) > MAX_ADDRESS_LENGTH or not _ADDRESS.match(address):
        return False
    try:
        address.encode("utf-8")  # a lone surrogate can be neither stored nor compared
    except UnicodeEncodeError:
        return False
    return True


@functools.lru_cache(maxsize=65536)
def normalize_address(address):
    """Return the canonical form used for matching, or raise InvalidAddress."""
    address = (address or "").strip()
    if not is_valid_address(address):
        raise InvalidAddress(f"'{address[:100]}' is not a valid email address.")
    local, _, domain = address.rpartition("@")
    domain = domain.lower().rstrip(".")
    local = local.lower()
    if domain in GMAIL_DOMAINS:
        local = local.split("+", 1)[0].replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"


def try_normalize(address):
    """Return the normalised address, or None when it is not valid."""
    try:
        return normalize_address(address)
    except InvalidAddress:
        return None


# Most address headers are plain: ``Name <addr>`` or ``addr``, comma-separated, with
# no quotes, comments, groups or encoded words. Those are split with a regular
# expression (the email package's parser costs about 50 us an address, most of
# mail sync's parsing); anything else goes to the email package. Both give the
# same result on plain headers (tests/backend/test_sync_filters.py compares them).
_PLAIN_MAILBOX = re.compile(r"^\s*(?:([\w' .-]*?)\s*<([^<>\s@]+@[^<>\s@]+)>|([^<>\s@,]+@[^<>\s@,]+))\s*$")
_NOT_PLAIN = re.compile(r'["()\\;:\[\]]|=\?')


def _plain_mailboxes(value):
    """Return [(name, address)] for a plain header, or None when it needs the full parser."""
    if _NOT_PLAIN.search(value):
        return None
    found = []
    for item in value.split(","):
        if not item.strip():
            continue
        match = _PLAIN_MAILBOX.match(item)
        if match is None:
            return None
        found.append((" ".join(match.group(1).split()), match.group(2)) if match.group(2) else ("", match.group(3)))
    return found


def parse_mailbox(value):
    """Split ``"Name" <addr>`` into (name, address); the address as written."""
    plain = _plain_mailboxes(value or "")
    if plain is not None and len(plain) == 1:
        return plain[0]
    name, address = parseaddr(value or "")
    return name.strip(), address.strip()


def parse_mailbox_list(value):
    """Split a To/Cc header into [(name, address)], skipping empty entries."""
    plain = _plain_mailboxes(value or "")
    if plain is not None:
        return plain
    return [(n.strip(), a.strip()) for n, a in getaddresses([value or ""]) if a.strip()]


def domain_of(address):
    return address.rpartition("@")[2].lower().rstrip(".")


@functools.lru_cache(maxsize=65536)
def registrable_domain(domain):
    """Return the registrable domain (acme.co.uk for mail.acme.co.uk), or None."""
    domain = domain.lower()
    parts = _extract(domain)
    top = parts.top_domain_under_public_suffix
    if not top and parts.suffix:
        return None  # a public suffix itself (co.uk): nobody's domain
    if not top and "." in domain and not domain.replace(".", "").isdigit():
        # A suffix the list does not know (an internal or reserved TLD such as
        # .example): the last two labels are the best guess.
        top = ".".join(domain.split(".")[-2:])
    return top or None


def is_free_mail(domain):
    domain = domain.lower()
    return domain in _free_mail_domains() or domain in disposable_email_domains.blocklist


def company_domain(address):
    """Return the registrable domain that names the address's company, or None.

    None for free-mail and disposable providers, whose users share no company.
    """
    host = domain_of(address)
    registrable = registrable_domain(host)
    if registrable is None or is_free_mail(host) or is_free_mail(registrable):
        return None
    return registrable


def guess_company_name(domain):
    """Turn acme-widgets.co.uk into 'Acme Widgets' for a prefilled lead."""
    label = (registrable_domain(domain) or domain).split(".")[0]
    return " ".join(part.capitalize() for part in re.split(r"[-_]", label) if part)


def parse_participant(email, name=None):
    """Return (display name, address as written, normalised address) for one participant.

    ``email`` may carry a display name (``"Ada" <ada@acme.example>``); an
    explicit ``name`` wins over it. Raise InvalidAddress when no single valid
    address can be read.
    """
    email = email or ""
    if _ADDRESS.match(email):
        # A bare address (what the extension sends): email.utils would take 20x longer to say so.
        return (name or "").strip(), email, normalize_address(email)
    mailboxes = getaddresses([email])
    if len(mailboxes) != 1:
        raise InvalidAddress(f"'{(email or '')[:100]}' is not one email address.")
    embedded_name, address = mailboxes[0][0].strip(), mailboxes[0][1].strip()
    if not address and (email or "").strip():
        address = email.strip()
    normalized = normalize_address(address)
    return (name or "").strip() or embedded_name, address, normalized
