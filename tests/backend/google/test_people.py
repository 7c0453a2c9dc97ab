"""The People API client against the strict fake: Google's refusals become the errors callers act on."""

import google.oauth2.credentials
import pytest

from threadbook.google.errors import InsufficientScope, NotFound, RateLimited
from threadbook.google.people import EtagMismatch, People

from ...fakes.gpeople import rate_limited

ME = "rep@acme.example"


@pytest.fixture
def contacts(people):
    people.grant("tok", ME)
    return People(google.oauth2.credentials.Credentials("tok"), people.root)


def test_an_update_with_a_stale_etag_raises_etag_mismatch_and_changes_nothing(people, contacts):
    created = contacts.create_contact({"names": [{"givenName": "Ada"}], "emailAddresses": [{"value": "ada@ext.example"}]})
    people.edit(ME, created["resourceName"], names=[{"givenName": "Ada (edited in Google)"}])
    with pytest.raises(EtagMismatch) as caught:
        contacts.update_contact(created["resourceName"], {"names": [{"givenName": "Ada CRM"}]}, created["etag"])
    assert caught.value.status == 400 and "etag is different" in caught.value.message
    assert people.find(ME, "ada@ext.example")["names"][0]["givenName"] == "Ada (edited in Google)"


def test_the_fake_refuses_what_google_refuses(people, contacts):
    created = contacts.create_contact({"names": [{"givenName": "Ada"}]})
    person_id = created["resourceName"].split("/")[1]
    http = contacts._http
    base = people.root + "v1/people/" + person_id
    answer, body = http.request(base, "GET")
    assert answer.status == 400 and b"personFields mask is required" in body
    answer, body = http.request(base + ":updateContact?updatePersonFields=names", "PATCH", body='{"names": []}', headers={"Content-Type": "application/json"})
    assert answer.status == 400 and b"must set person.etag" in body
    answer, body = http.request(base + ":updateContact?updatePersonFields=photos", "PATCH", body='{"etag": "x"}', headers={"Content-Type": "application/json"})
    assert answer.status == 400 and b"Invalid updatePersonFields" in body
    with pytest.raises(NotFound):
        contacts.delete_contact("people/c0")


def test_rate_limits_and_missing_scopes_are_told_apart(people, contacts):
    people.fail(rate_limited(retry_after=30))
    with pytest.raises(RateLimited) as caught:
        contacts.list_groups()
    assert caught.value.retry_after == 30
    people.grant("readonly", ME, scopes=("contacts.readonly",))
    reader = People(google.oauth2.credentials.Credentials("readonly"), people.root)
    assert any(g["name"] == "My Contacts" for g in reader.list_groups())
    with pytest.raises(InsufficientScope):
        reader.create_group("Threadbook")
