"""Logged emails: who may read them, and only the owner changes their visibility."""

import pytest

from threadbook.mail.store import store_gmail_messages

from ...fakes.gmail_store import FakeMailbox


@pytest.fixture
def setup(client, factory, db):
    org = factory.org(domain="us.example")
    rep, colleague = factory.user(org, email="rep@us.example"), factory.user(org, email="col@us.example")
    box = FakeMailbox("rep@us.example")
    [email], _ = store_gmail_messages(
        org, rep, rep, [box.add_message(sender="ada@acme.example", to=["rep@us.example"], body="the terms")], visibility="private"
    )

    def as_user(user):
        return lambda method, path, **kw: getattr(client, method)(path, headers=factory.headers(user), **kw)

    return {"email": email, "owner": as_user(rep), "colleague": as_user(colleague), "factory": factory, "client": client}


def test_the_owner_shares_an_email_step_by_step(setup):
    path = f"/api/v1/emails/{setup['email'].id}"
    owner, colleague = setup["owner"], setup["colleague"]
    assert owner("get", path).get_json()["snippet"] == "the terms"
    assert colleague("get", path).status_code == 404  # private: as if it did not exist

    assert owner("patch", path, json={"visibility": "team_metadata"}).get_json()["visibility"] == "team_metadata"
    seen = colleague("get", path).get_json()
    assert (seen["subject"], seen["snippet"], seen["body"], seen["redacted"]) == ("", None, None, True)

    owner("patch", path, json={"visibility": "team_full"})
    assert colleague("get", path).get_json()["snippet"] == "the terms"


def test_only_the_owner_changes_visibility(setup):
    path = f"/api/v1/emails/{setup['email'].id}"
    setup["owner"]("patch", path, json={"visibility": "team_full"})
    response = setup["colleague"]("patch", path, json={"visibility": "private"})
    assert response.status_code == 403
    assert setup["colleague"]("get", path).get_json()["visibility"] == "team_full"


@pytest.mark.parametrize("body", [{}, {"visibility": "public"}, {"visibility": None}, {"visibility": 1}])
def test_bad_visibility_is_400(setup, body):
    assert setup["owner"]("patch", f"/api/v1/emails/{setup['email'].id}", json=body).status_code == 400


def test_another_organisation_gets_404(setup):
    factory, client = setup["factory"], setup["client"]
    stranger = factory.user(factory.org(domain="other.example"))
    setup["owner"]("patch", f"/api/v1/emails/{setup['email'].id}", json={"visibility": "team_full"})
    assert client.get(f"/api/v1/emails/{setup['email'].id}", headers=factory.headers(stranger)).status_code == 404
