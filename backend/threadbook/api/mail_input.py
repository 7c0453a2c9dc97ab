"""Check the header text of mail sent from the CRM, so a bad value is a 400 that says what to change, never a 500.

The email package writes each header on one line and folds it where
``str.splitlines`` would split: at CR and LF but also at VT, FF, the file,
group and record separators, NEL (U+0085) and the Unicode line and
paragraph separators (U+2028, U+2029). In a subject or a display name those
raise ValueError while the message is built; other control characters go
into the header raw. So a subject or a name typed by the caller must be one
line of text: no control character (tab aside) and no line or paragraph
separator. Text that comes from stored mail (a reply's subject, a contact's
name) is cleaned instead, since the caller did not type it.

Threadbook writes RFC 5322 messages whose headers are ASCII, with non-ASCII
text as RFC 2047 encoded words, which an address may not use. A mailbox whose
local part is not ASCII (``jöhn@example.com``) can only be written in an
internationalised message (RFC 6532, relayed with the SMTPUTF8 extension),
which Threadbook does not build, so such an address is refused with a 400.
An internationalised domain is fine: compose_input.py sends it in its ASCII
(punycode) form.
"""

import unicodedata

from threadbook.errors import ApiError

_BREAKING = frozenset({"Cc", "Zl", "Zp"})  # controls, line separators, paragraph separators


def _breaks_a_header(char):
    return char != "\t" and unicodedata.category(char) in _BREAKING


def describe(char):
    """Return how a message names a character: ``U+2028 LINE SEPARATOR``."""
    name = unicodedata.name(char, "")  # controls have no name in the Unicode database
    return f"U+{ord(char):04X} {name or 'a control character'}"


def check_one_line(value, what, **extra):
    """Raise 400 naming the first character of ``value`` that does not belong in a one-line header."""
    for index, char in enumerate(value):
        if _breaks_a_header(char):
            raise ApiError(400, f"{what} must be one line of text; it contains {describe(char)} at position {index + 1}.", **extra)


def one_line(value):
    """Return stored text fit for a header: each control character or line separator becomes a space."""
    return "".join(" " if _breaks_a_header(char) else char for char in value or "")


def check_sendable_address(address, what, **extra):
    """Raise 400 when Threadbook cannot write ``address`` into a message (a non-ASCII local part)."""
    local = address.rpartition("@")[0]
    if not local.isascii():
        raise ApiError(
            400,
            f"{what}: {address[:100]} has a non-ASCII name before the '@'. Threadbook sends plain (RFC 5322) messages, "
            "whose headers cannot carry it; writing to it needs an internationalised message sent with SMTPUTF8 "
            "(RFC 6531/6532), which Threadbook does not build. Write to an ASCII address of this person instead.",
            **extra,
        )
