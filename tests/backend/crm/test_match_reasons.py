"""Why this match: each participant of a lookup says which rule made it its record (or its company), and a sentence."""

import unicodedata

import pytest

from threadbook.crm import match_reasons
from threadbook.crm import store as crm
from threadbook.models import Lead


@pytest.fixture
def people(factory, db):
    org = factory.org(domain="us.example")
    me = factory.user(org, email="me@us.example", name="Me Myself")
    colleague = factory.user(org, email="col@us.example", name="Col League")
    acme = crm.create_company(org.id, "Acme Widgets", ["acme.example"])
    ada = crm.create_contact(org.id, "Ada Lovelace", ["ada@acme.example", "ada.lovelace@gmail.com"], company=acme)
    jo = crm.create_contact(org.id, "Jo Books", ["jo@bücher.example", unicodedata.normalize("NFC", "josé@books.example")])
    kat = Lead.create(org=org, name="Katherine Johnson", email="katherine@nasa.example", email_normalized="katherine@nasa.example")
    return {"org": org, "me": me, "colleague": colleague, "acme": acme, "ada": ada, "jo": jo, "kat": kat}


def match_of(client, factory, user, address):
    response = client.post("/api/v1/lookup", json={"participants": [{"email": address}]}, headers=factory.headers(user))
    assert response.status_code == 200, response.get_json()
    [participant] = response.get_json()["participants"]
    return participant["match"]


@pytest.mark.parametrize(
    "address, rule, matched",
    [
        ("ada@acme.example", "address", "ada@acme.example"),
        ("ADA@Acme.Example", "address", "ada@acme.example"),
        ("Ada.Lovelace@gmail.com", "alias", "ada.lovelace@gmail.com"),
        ("ada.lovelace+crm@gmail.com", "plus_tag", "ada.lovelace@gmail.com"),
        ("adalovelace@gmail.com", "gmail_dots", "ada.lovelace@gmail.com"),
        ("Ada.Love.lace+crm@gmail.com", "gmail_dots", "ada.lovelace@gmail.com"),
        ("ada.lovelace@googlemail.com", "gmail_dots", "ada.lovelace@gmail.com"),
        ("jo@xn--bcher-kva.example", "case", "jo@bücher.example"),
        (unicodedata.normalize("NFD", "josé@books.example"), "case", unicodedata.normalize("NFC", "josé@books.example")),
        ("katherine@NASA.example", "address", "katherine@nasa.example"),
        ("col@us.example", "address", "col@us.example"),
        ("bob@sales.acme.example", "domain", "acme.example"),
    ],
)
def test_each_rule_names_what_matched(client, factory, people, address, rule, matched):
    match = match_of(client, factory, people["me"], address)
    assert match["rule"] == rule
    assert match["matched"] == matched
    assert address in match["explanation"]


def test_the_sentences_name_the_record(client, factory, people):
    me = people["me"]
    assert match_of(client, factory, me, "ada@acme.example")["explanation"] == "ada@acme.example is the primary address of contact Ada Lovelace."
    assert match_of(client, factory, me, "ada.lovelace@gmail.com")["explanation"] == (
        "ada.lovelace@gmail.com is another address of contact Ada Lovelace (primary: ada@acme.example)."
    )
    assert "Gmail ignores dots" in match_of(client, factory, me, "adalovelace@gmail.com")["explanation"]
    assert "+tag" in match_of(client, factory, me, "ada.lovelace+x@gmail.com")["explanation"]
    assert match_of(client, factory, me, "katherine@nasa.example")["explanation"] == "katherine@nasa.example is the address of lead Katherine Johnson."
    assert match_of(client, factory, me, "col@us.example")["explanation"] == "col@us.example is the address of your colleague Col League."
    assert match_of(client, factory, me, "me@us.example")["explanation"] == "me@us.example is your own address."
    assert match_of(client, factory, me, "bob@acme.example")["explanation"] == (
        "No contact or lead has bob@acme.example; its domain acme.example belongs to the company Acme Widgets."
    )


def test_unknown_and_malformed_participants_have_no_match(client, factory, people):
    assert match_of(client, factory, people["me"], "stranger@initech.example") is None
    assert match_of(client, factory, people["me"], "someone@gmail.com") is None  # free mail names no company
    assert match_of(client, factory, people["me"], "not an address") is None


@pytest.mark.parametrize(
    "written, matched, primary, rule",
    [
        ("a@x.example", "a@x.example", True, "address"),
        ("A@X.EXAMPLE", "a@x.example", False, "alias"),
        ("a.b+t@gmail.com", "a.b@gmail.com", True, "plus_tag"),
        ("a.b+t@gmail.com", "a.b+u@gmail.com", True, "plus_tag"),
        ("ab@gmail.com", "a.b@gmail.com", True, "gmail_dots"),
        ("a.b@googlemail.com", "a.b@gmail.com", True, "gmail_dots"),
        ("a@x.example.", "a@x.example", True, "case"),
    ],
)
def test_spelling_rule(written, matched, primary, rule):
    assert match_reasons.spelling_rule(written, matched, primary) == rule
