"""matching: one participant from a header-like string, and domains that can name a company."""

import pytest

from threadbook import matching
from threadbook.matching import InvalidAddress, company_domain, guess_company_name, normalize_address, parse_participant, registrable_domain


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


# Look-alike addresses (the hostile-input issue): the Kelvin sign K once matched the contact with K,
# because str.lower() folds it to k. Which spellings are one mailbox, and which must stay apart:

DISTINCT = [
    ("\u212aevin@acme.example", "kevin@acme.example", "Kelvin sign K (U+212A) is not K, though lower() and NFC make it k"),
    ("\u212aevin@acme.example", "Kevin@acme.example", "Kelvin sign K is not the ASCII capital"),
    ("\u017fam@acme.example", "sam@acme.example", "long s (U+017F) is not s, though casefold() makes it s"),
    ("\u0131da@acme.example", "ida@acme.example", "dotless i (U+0131) is not i"),
    ("\u0130da@acme.example", "ida@acme.example", "capital I with dot (U+0130) is not i"),
    ("\uff41da@acme.example", "ada@acme.example", "fullwidth a (U+FF41) is not a, though NFKC makes it a"),
    ("\u0430da@acme.example", "ada@acme.example", "Cyrillic a (U+0430) is not Latin a"),
    ("stra\u00dfe@acme.example", "strasse@acme.example", "sharp s is not ss, though casefold() makes it ss"),
    ("j\u00d6hn@acme.example", "j\u00f6hn@acme.example", "non-ASCII letters keep their case: only ASCII is folded"),
    ("ada\u1fef@acme.example", "ada`@acme.example", "Greek varia (U+1FEF) is not a grave accent, though NFC makes it one"),
    ("ada@\u0430cme.example", "ada@acme.example", "Cyrillic a in the domain is another domain (xn--cme-8cd)"),
    ("ada@\u0131stanbul.example", "ada@istanbul.example", "dotless i in the domain is another domain"),
]

SAME = [
    ("ADA@Acme.Example", "ada@acme.example", "ASCII case"),
    ("ada@b\u00fccher.example", "ada@xn--bcher-kva.example", "an IDN domain and its punycode"),
    ("ada@B\u00dcCHER.example", "ada@xn--bcher-kva.example", "case in an IDN domain (UTS 46 maps it)"),
    ("jo\u0308hn@acme.example", "j\u00f6hn@acme.example", "decomposed and composed o-umlaut (NFC)"),
    ("J\u00f6hn@acme.example", "j\u00f6hn@acme.example", "ASCII case inside a non-ASCII local part"),
    ("ada@\uff41cme.example", "ada@acme.example", "fullwidth letters in a domain resolve as ASCII (UTS 46)"),
    ("ada@\u212aite.example", "ada@kite.example", "the Kelvin sign in a domain resolves as k (UTS 46)"),
    ("ada@acme.example.", "ada@acme.example", "a trailing dot on the domain"),
    ("A.Da+crm@googlemail.com", "ada@gmail.com", "Gmail ignores dots and +tags"),
]


@pytest.mark.parametrize("one, other, why", DISTINCT, ids=[w for _, _, w in DISTINCT])
def test_look_alike_addresses_stay_distinct(one, other, why):
    assert normalize_address(one) != normalize_address(other), why


@pytest.mark.parametrize("one, other, why", SAME, ids=[w for _, _, w in SAME])
def test_spellings_of_one_mailbox_are_equal(one, other, why):
    assert normalize_address(one) == normalize_address(other), why


@pytest.mark.skipif(matching.idna is None, reason="Python's IDNA 2003 codec maps sharp s to ss")
def test_sharp_s_in_a_domain_is_its_own_domain():
    assert normalize_address("ada@stra\u00dfe.de") == "ada@xn--strae-oqa.de" != normalize_address("ada@strasse.de")


def test_the_normalised_form_is_ascii_in_the_domain_and_exact_in_a_non_ascii_local_part():
    assert normalize_address("J\u00f6hn@B\u00fccher.Example") == "j\u00f6hn@xn--bcher-kva.example"
    assert normalize_address("\u212aevin@Acme.Example") == "\u212aevin@acme.example"


@pytest.mark.parametrize("address", ["ada\u2028@acme.example", "ada\x85@acme.example", "ada\x9b@acme.example", "ada@acme\u2028.example", "ada@-acme.example"])
def test_separators_controls_and_bad_domains_are_not_addresses(address):
    with pytest.raises(InvalidAddress):
        normalize_address(address)


def test_companies_match_an_idn_domain_and_its_punycode():
    assert company_domain("bob@mail.b\u00fccher.example") == company_domain("bob@xn--bcher-kva.example") == "xn--bcher-kva.example"
    assert guess_company_name("xn--bcher-kva.example") == "B\u00fccher"


def test_a_kelvin_sign_address_is_not_the_contact_with_k(client, factory, db):
    from threadbook.crm import store as crm

    user = factory.user(factory.org(domain="us.example"))
    crm.create_contact(user.org_id, "Kevin", ["kevin@acme.example"])
    response = client.post(
        "/api/v1/lookup", json={"participants": [{"email": "\u212aevin@acme.example"}, {"email": "KEVIN@acme.example"}]}, headers=factory.headers(user)
    )
    look_alike, same = response.get_json()["participants"]
    assert look_alike["kind"] == "unknown" and look_alike["record"] is None
    assert same["kind"] == "contact" and same["record"]["name"] == "Kevin"
