"""Which messages sync stores, and the fast address parsing it relies on."""

import random
import string
from email.utils import getaddresses, parseaddr

import pytest

from threadbook import matching
from threadbook.mail.filters import BLOCKED, INTERNAL, SKIPPED, STORE, MessageFilter


def slow_list(value):
    return [(n.strip(), a.strip()) for n, a in getaddresses([value]) if a.strip()]


@pytest.mark.parametrize(
    "value",
    [
        "Ann <ann@x.example>, bob@y.example",
        "John   Smith <j@x.example>",
        "Dr. Who <who@tardis.example>",
        "José Álvarez <jose@x.es>",
        "O'Brien <ob@x.ie>,, <only@x.example>",
        '"Doe, John" <john@x.example>',
        "a@b.example (Ann)",
        "=?utf-8?q?Ren=C3=A9?= <rene@x.example>",
        "undisclosed-recipients:;",
        "Team: ann@x.example, bob@y.example;",
        "ann@x.example bob@y.example",
        "",
    ],
)
def test_address_lists_parse_as_the_email_package_does(value):
    assert matching.parse_mailbox_list(value) == slow_list(value)
    name, address = parseaddr(value)
    assert matching.parse_mailbox(value) == (name.strip(), address.strip())


def test_random_plain_headers_parse_as_the_email_package_does():
    rng = random.Random(5)
    name_chars = string.ascii_letters + string.digits + " .-'_é!#$%&*+/=?^`{|}~"
    local_chars = string.ascii_letters + string.digits + ".+-_!#$%&'*/=?^`{|}~"
    for _ in range(5000):
        parts = []
        for _ in range(rng.randint(1, 3)):
            address = (
                "".join(rng.choice(local_chars) for _ in range(rng.randint(1, 8)))
                + "@"
                + "".join(rng.choice(string.ascii_lowercase + ".-") for _ in range(rng.randint(1, 8)))
            )
            name = "".join(rng.choice(name_chars) for _ in range(rng.randint(0, 12)))
            parts.append(f"{name} <{address}>" if rng.random() < 0.6 else address)
        value = ", ".join(parts)
        assert matching.parse_mailbox_list(value) == slow_list(value), value


class Org:
    def __init__(self, domain):
        self.id, self.domain = 1, domain


def message(sender, to=(), cc=(), labels=("INBOX",)):
    headers = [{"name": "From", "value": sender}, {"name": "To", "value": ", ".join(to)}]
    if cc:
        headers.append({"name": "Cc", "value": ", ".join(cc)})
    return {"id": "1", "labelIds": list(labels), "payload": {"headers": headers}}


@pytest.fixture
def message_filter(monkeypatch):
    f = MessageFilter.__new__(MessageFilter)
    f.org_domain = "acme.example"
    f.colleagues = {"rep@acme.example", "partner@gmail.com"}
    f.blocked_addresses = {"mum@family.example"}
    f.blocked_domains = {"clinic.example"}
    return f


@pytest.mark.parametrize(
    "msg, verdict",
    [
        (message("Buyer <buyer@customer.example>", ["rep@acme.example"]), STORE),
        (message("rep@acme.example", ["buyer@customer.example"], labels=["SENT"]), STORE),
        (message("Ann <ann@acme.example>", ["rep@acme.example"]), INTERNAL),
        (message("noreply@mail.acme.example", ["rep@acme.example"]), INTERNAL),
        (message("Partner <Partner@GoogleMail.com>", ["rep@acme.example"]), INTERNAL),  # a colleague's personal address
        (message("mum@family.example", ["rep@acme.example"]), BLOCKED),
        (message("rep@acme.example", ["buyer@customer.example"], cc=["Mum <MUM@family.example>"]), BLOCKED),
        (message("doc@eu.mail.clinic.example", ["rep@acme.example"]), BLOCKED),
        (message("x@notclinic.example", ["rep@acme.example"]), STORE),
        (message("buyer@customer.example", ["rep@acme.example"], labels=["DRAFT"]), SKIPPED),
        (message("buyer@customer.example", ["rep@acme.example"], labels=["CHAT"]), SKIPPED),
        (message("not an address", ["neither"]), SKIPPED),
    ],
)
def test_classification(message_filter, msg, verdict):
    assert message_filter.classify(msg)[0] == verdict
