"""Address normalisation and domain classification, in one module.

The normalised address is the key every record matches on, so its rule must
never merge two mailboxes that can be different people (a look-alike address
must not land on a contact's record):

- The local part (before the ``@``): ASCII letters compare case-insensitively
  (``ADA`` = ``ada``), nothing else is folded. Non-ASCII local parts (RFC 6531)
  compare code point for code point after NFC, so a composed and a decomposed
  ``é`` are one address, but ``ß`` is not ``ss``, ``ſ`` (long s) not ``s``,
  ``ı`` (dotless i) not ``i``, fullwidth ``ａ`` not ``a``, Cyrillic ``а`` not
  Latin ``a``: no case folding, no NFKC. NFC turns a few characters into ASCII
  (the Kelvin sign U+212A into ``K``); a local part holding one is kept as
  written, so ``\u212aevin@`` never equals ``kevin@``.
- The domain goes to its ASCII form (IDNA, UTS 46 mapping, non-transitional,
  with the ``idna`` package; Python's IDNA 2003 codec when it is missing,
  which maps ``ß`` to ``ss``), lower case, no trailing dot. A domain and its
  punycode are one domain (``bücher.example`` = ``xn--bcher-kva.example``),
  and so are spellings DNS resolves alike (fullwidth letters, the Kelvin sign,
  upper case in a domain): they reach the same mail server.
- At gmail.com and googlemail.com dots and ``+tags`` in the local part do not
  matter (Gmail delivers them to the same mailbox), so
  ``John.Doe+crm@GoogleMail.com`` normalises to ``johndoe@gmail.com``.

The original is always kept for display. Companies match by registrable domain
(``mail.acme.co.uk`` -> ``acme.co.uk``, in ASCII form) from tldextract's bundled
public suffix snapshot, never a download.
"""

import functools
import re
import unicodedata
from email.utils import getaddresses, parseaddr
from importlib import resources

import disposable_email_domains
import tldextract

try:
    import idna
except ImportError:  # a dependency of requests, so normally present; the codec differs on ß and a few others
    idna = None

GMAIL_DOMAINS = {"gmail.com", "googlemail.com"}
MAX_ADDRESS_LENGTH = 254
# Deliberately plain: RFC 5322 allows more, but nothing a CRM should store. The domain is ASCII here;
# an internationalised one is checked in its ASCII form (_ascii_domain).
_LOCAL = r"[^@\s<>(),;:\"\[\]\\\x00-\x1f\x7f-\x9f]+"
_DOMAIN = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+"
_ADDRESS = re.compile(f"^{_LOCAL}@{_DOMAIN}$")
_LOCAL_PART = re.compile(_LOCAL)
_ASCII_DOMAIN = re.compile(_DOMAIN)
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

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
    """Return True when ``address`` is one plain address Threadbook stores (an internationalised domain included)."""
    return _checked_parts(address) is not None


def _checked_parts(address):
    """Return (local part, ASCII domain) of a valid address, or None."""
    if not address or len(address) > MAX_ADDRESS_LENGTH:
        return None
    local, _, domain = address.rpartition("@")
    if not _LOCAL_PART.fullmatch(local):
        return None
    try:
        local.encode("utf-8")  # a lone surrogate can be neither stored nor compared
    except UnicodeEncodeError:
        return None
    ascii_domain = _ascii_domain(domain)
    if ascii_domain is None or len(local) + 1 + len(ascii_domain) > MAX_ADDRESS_LENGTH:
        return None
    return local, ascii_domain


@functools.lru_cache(maxsize=65536)
def _ascii_domain(domain):
    """Return a domain's lower-case ASCII form (IDNA A-labels, no trailing dot), or None when it is not one."""
    domain = domain[:-1] if domain.endswith(".") else domain
    if not domain.isascii():
        try:
            domain = idna.encode(domain, uts46=True).decode("ascii") if idna else domain.encode("idna").decode("ascii")
        except UnicodeError:  # idna.IDNAError is one
            return None
    domain = domain.lower()
    return domain if _ASCII_DOMAIN.fullmatch(domain) else None


def _local_key(local):
    """Return the local part as it compares: ASCII letters lower-cased, the rest exact after NFC (see the module doc)."""
    if local.isascii():
        return local.lower()
    # NFC maps a few characters to ASCII (Kelvin sign to K): such a local part is kept as written.
    if not any(not char.isascii() and unicodedata.normalize("NFC", char).isascii() for char in local):
        local = unicodedata.normalize("NFC", local)
    return local.translate(_ASCII_LOWER)


@functools.lru_cache(maxsize=65536)
def normalize_address(address):
    """Return the canonical form used for matching, or raise InvalidAddress."""
    address = (address or "").strip()
    parts = _checked_parts(address)
    if parts is None:
        raise InvalidAddress(f"'{address[:100]}' is not a valid email address.")
    local, domain = _local_key(parts[0]), parts[1]
    if domain in GMAIL_DOMAINS:
        local = local.split("+", 1)[0].replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"


def with_ascii_domain(address):
    """Return ``address`` as written, with its domain in ASCII (punycode) form, as a plain message must carry it."""
    local, _, domain = address.rpartition("@")
    return f"{local}@{_ascii_domain(domain) or domain}"


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
# same result on plain headers (tests/backend/mail/test_sync_filters.py compares them).
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
    """Return an address's domain in its lower-case ASCII form (as it is written when it is not a domain)."""
    domain = address.rpartition("@")[2]
    return _ascii_domain(domain) or domain.lower().rstrip(".")


@functools.lru_cache(maxsize=65536)
def registrable_domain(domain):
    """Return the registrable domain (acme.co.uk for mail.acme.co.uk) in ASCII form, or None."""
    domain = _ascii_domain(domain) or domain.lower()
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
    if label.startswith("xn--"):
        label = _unicode_label(label)
    return " ".join(part.capitalize() for part in re.split(r"[-_]", label) if part)


def _unicode_label(label):
    """Return the Unicode form of a punycode label (xn--bcher-kva -> bücher), for display."""
    try:
        return idna.decode(label) if idna else label.encode("ascii").decode("idna")
    except UnicodeError:
        return label


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
