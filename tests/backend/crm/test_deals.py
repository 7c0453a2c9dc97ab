"""Deals over HTTP: minimal CRUD, money as exact decimal strings, references within the organisation."""

import pytest


@pytest.fixture
def api(client, factory):
    rep = factory.user(factory.org(domain="us.example"), email="rep@us.example")

    def call(method, path, **kwargs):
        return getattr(client, method)(path, headers=factory.headers(rep), **kwargs)

    return call


def test_deal_lifecycle(api):
    ada = api("post", "/api/v1/contacts", json={"name": "Ada", "email": "ada@acme.example"}).get_json()
    response = api(
        "post", "/api/v1/deals", json={"name": "Rollout", "contact_id": ada["id"], "amount": 1250.5, "close_date": "2026-03-31", "stage": "proposal"}
    )
    assert response.status_code == 201
    deal = response.get_json()
    assert (deal["amount"], deal["currency"], deal["status"], deal["close_date"]) == ("1250.50", "USD", "open", "2026-03-31")
    assert deal["company_id"] == ada["company"]["id"]  # the contact's company by default
    assert api("get", f"/api/v1/deals/{deal['id']}").get_json() == deal

    won = api("patch", f"/api/v1/deals/{deal['id']}", json={"status": "won", "amount": "99999999999.99"}).get_json()
    assert (won["status"], won["amount"]) == ("won", "99999999999.99")
    assert [d["id"] for d in api("get", f"/api/v1/deals?status=won&contact_id={ada['id']}").get_json()["items"]] == [deal["id"]]
    assert api("get", "/api/v1/deals?status=open").get_json()["items"] == []

    assert api("delete", f"/api/v1/deals/{deal['id']}").status_code == 204
    assert api("get", f"/api/v1/deals/{deal['id']}").status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": ""},
        {"name": "x", "amount": -1},
        {"name": "x", "amount": "lots"},
        {"name": "x", "amount": True},
        {"name": "x", "amount": "1e20"},
        {"name": "x", "status": "pending"},
        {"name": "x", "close_date": "31/03/2026"},
        {"name": "x", "currency": "usd"},
    ],
)
def test_bad_deals_are_400(api, body):
    assert api("post", "/api/v1/deals", json=body).status_code == 400


def test_references_to_another_organisation_are_404(api, client, factory):
    stranger = factory.user(factory.org(domain="other.example"))
    theirs = client.post("/api/v1/contacts", json={"email": "x@other-co.example"}, headers=factory.headers(stranger)).get_json()
    assert api("post", "/api/v1/deals", json={"name": "x", "contact_id": theirs["id"]}).status_code == 404
    deal = api("post", "/api/v1/deals", json={"name": "mine"}).get_json()
    for method in ("get", "patch", "delete"):
        assert getattr(client, method)(f"/api/v1/deals/{deal['id']}", json={}, headers=factory.headers(stranger)).status_code == 404
