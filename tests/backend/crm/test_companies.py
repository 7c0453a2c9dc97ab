"""Companies over HTTP: registrable domains, free mail refused, one owner per domain, search."""

import pytest


@pytest.fixture
def api(client, factory):
    rep = factory.user(factory.org(domain="us.example"), email="rep@us.example")

    def call(method, path, **kwargs):
        return getattr(client, method)(path, headers=factory.headers(rep), **kwargs)

    return call


def test_create_a_company_with_registrable_domains(api):
    response = api(
        "post", "/api/v1/companies", json={"name": "Acme", "domains": ["mail.acme.co.uk", "ACME.example", "bob@acme.example"], "industry": "Widgets"}
    )
    assert response.status_code == 201
    acme = response.get_json()
    assert acme["domains"] == ["acme.co.uk", "acme.example"]
    assert (acme["name"], acme["industry"]) == ("Acme", "Widgets")
    assert api("get", f"/api/v1/companies/{acme['id']}").get_json() == acme


@pytest.mark.parametrize("domains", [["gmail.com"], ["mailinator.com"], ["not a domain"], "acme.example", [3], ["co.uk"]])
def test_unusable_domains_are_400(api, domains):
    response = api("post", "/api/v1/companies", json={"name": "X", "domains": domains})
    assert response.status_code == 400
    assert response.get_json()["message"]


def test_a_domain_belongs_to_one_company(api):
    acme = api("post", "/api/v1/companies", json={"name": "Acme", "domains": ["acme.example"]}).get_json()
    response = api("post", "/api/v1/companies", json={"name": "Acme 2", "domains": ["www.acme.example"]})
    assert response.status_code == 409
    assert response.get_json()["existing"]["record"]["id"] == acme["id"]


def test_update_and_search(api):
    acme = api("post", "/api/v1/companies", json={"name": "Acme", "domains": ["acme.example"]}).get_json()
    api("post", "/api/v1/companies", json={"name": "Globex", "domains": ["globex.example"]})
    updated = api("patch", f"/api/v1/companies/{acme['id']}", json={"name": "Acme Corp", "domains": ["acme.example", "acme.io"]}).get_json()
    assert updated["name"] == "Acme Corp" and updated["domains"] == ["acme.example", "acme.io"]
    assert [c["name"] for c in api("get", "/api/v1/companies?q=acme.io").get_json()["items"]] == ["Acme Corp"]
    assert [c["name"] for c in api("get", "/api/v1/companies?q=glob").get_json()["items"]] == ["Globex"]
    assert api("patch", f"/api/v1/companies/{acme['id']}", json={"domains": ["globex.example"]}).status_code == 409
    assert api("patch", f"/api/v1/companies/{acme['id']}", json={"name": ""}).status_code == 400


def test_another_organisations_company_is_404(api, client, factory):
    acme = api("post", "/api/v1/companies", json={"name": "Acme"}).get_json()
    stranger = factory.user(factory.org(domain="other.example"))
    assert client.get(f"/api/v1/companies/{acme['id']}", headers=factory.headers(stranger)).status_code == 404
    # The same domain is free in another organisation.
    response = client.post("/api/v1/companies", json={"name": "Acme", "domains": ["acme.example"]}, headers=factory.headers(stranger))
    assert response.status_code == 201
