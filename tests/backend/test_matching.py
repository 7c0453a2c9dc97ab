"""matching: one participant from a header-like string, and domains that can name a company."""

import pytest

from threadbook.matching import InvalidAddress, company_domain, parse_participant, registrable_domain


@pytest.mark.parametrize(
    "email, name, expected",
    [
        ("ada@acme.example", None, ("", "ada@acme.example", "ada@acme.example")),
        ("Ada Lovelace <ADA@Acme.Example>", None, ("Ada Lovelace", "ADA@Acme.Example", "ada@acme.example")),
        ('"Lovelace, Ada" <ada@acme.example>', None, ("Lovelace, Ada", "ada@acme.example", "ada@acme.example")),
        ("Ada <A.Da+crm@googlemail.com>", "Countess", ("Countess", "A.Da+crm@googlemail.com", "ada@gmail.com")),
        ("  ada@acme.example  ", "  ", ("", "ada@acme.example", "ada@acme.example")),
    ],
)
def test_parse_participant(email, name, expected):
    assert parse_participant(email, name) == expected


@pytest.mark.parametrize("email", ["", "ada", "ada@", "@acme.example", "a@b.example, c@d.example", "ada@@acme.example", "<>", "ada@acme.example>"])
def test_parse_participant_refuses_anything_but_one_address(email):
    with pytest.raises(InvalidAddress):
        parse_participant(email)


@pytest.mark.parametrize(
    "domain, expected",
    [("mail.acme.co.uk", "acme.co.uk"), ("co.uk", None), ("uk", None), ("sales.acme.example", "acme.example"), ("10.0.0.1", None)],
)
def test_registrable_domain(domain, expected):
    assert registrable_domain(domain) == expected


@pytest.mark.parametrize(
    "address, expected",
    [("bob@mail.acme.co.uk", "acme.co.uk"), ("bob@gmail.com", None), ("bob@googlemail.com", None), ("bob@mailinator.com", None)],
)
def test_company_domain_skips_free_and_disposable_mail(address, expected):
    assert company_domain(address) == expected
