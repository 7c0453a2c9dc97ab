"""A client's mistakes get an answer that says what to fix: unknown routes, ids that are not numbers, unknown fields."""

import pytest


@pytest.fixture
def rep_headers(factory):
    return factory.headers(factory.user(factory.org(domain="us.example")))


class TestUnknownRoutes:
    def test_an_unknown_route_is_a_404_even_without_a_session(self, client):
        response = client.get("/api/v1/no-such-thing")
        assert response.status_code == 404
        body = response.get_json()
        assert body["error"] == "not_found"
        assert "There is no GET /api/v1/no-such-thing" in body["message"] and "/api/v1/openapi.json" in body["message"]
        assert "spelling" not in body["message"]

    def test_a_known_route_without_a_session_is_still_a_401(self, client):
        assert client.get("/api/v1/contacts").status_code == 401
        assert client.get("/api/v1/contacts/12").status_code == 401

    def test_an_id_that_is_not_a_number_is_named(self, client, rep_headers):
        response = client.get("/api/v1/contacts/abc", headers=rep_headers)
        assert response.status_code == 404
        assert response.get_json()["message"] == "'abc' is not an id here: ids are whole numbers, as in /api/v1/contacts/1."

    def test_a_wrong_method_is_a_405_naming_the_allowed_ones(self, client, rep_headers):
        response = client.put("/api/v1/contacts", json={}, headers=rep_headers)
        assert response.status_code == 405
        assert "GET" in response.headers["Allow"] and "POST" in response.headers["Allow"]


class TestUnknownBodyFields:
    def test_an_unknown_field_is_a_400_naming_it_and_nothing_is_created(self, client, rep_headers):
        response = client.post("/api/v1/contacts", json={"emails": ["ann@acme.example"], "colour": "red"}, headers=rep_headers)
        assert response.status_code == 400
        body = response.get_json()
        assert body["field"] == "colour"
        assert "Unknown field 'colour'" in body["message"] and "'emails'" in body["message"]
        assert client.get("/api/v1/contacts", headers=rep_headers).get_json()["items"] == []

    def test_a_near_miss_of_a_real_field_is_refused_rather_than_ignored(self, client, rep_headers):
        created = client.post("/api/v1/contacts", json={"emails": ["ann@acme.example"], "name": "Ann"}, headers=rep_headers)
        assert created.status_code == 201
        contact_id = created.get_json()["id"]
        response = client.patch(f"/api/v1/contacts/{contact_id}", json={"owner": 5}, headers=rep_headers)
        assert response.status_code == 400 and response.get_json()["field"] == "owner"
        assert client.get(f"/api/v1/contacts/{contact_id}", headers=rep_headers).get_json()["name"] == "Ann"

    @pytest.mark.parametrize(
        "method, path, body",
        [
            ("post", "/api/v1/leads", {"email": "lee@acme.example", "nickname": "L"}),
            ("post", "/api/v1/notes", {"body": "hi", "contact_id": 1, "pinned": True}),
            ("patch", "/api/v1/me", {"theme": "dark"}),
            ("post", "/api/v1/lookup", {"participants": [], "verbose": True}),
        ],
    )
    def test_every_documented_body_refuses_unknown_fields(self, client, rep_headers, method, path, body):
        response = getattr(client, method)(path, json=body, headers=rep_headers)
        assert response.status_code == 400, response.get_json()
        assert response.get_json()["field"] == sorted(set(body) - {"email", "body", "contact_id", "participants"})[0]


class TestQueryParameterErrorsNameTheField:
    @pytest.mark.parametrize(
        "path, field",
        [
            ("/api/v1/contacts?page=zero", "page"),
            ("/api/v1/contacts?per_page=1000", "per_page"),
            ("/api/v1/deals?status=pending", "status"),
            ("/api/v1/leads?status=hot", "status"),
            ("/api/v1/notes?contact_id=x", "contact_id"),
            ("/api/v1/contacts?q=" + "x" * 201, "q"),
        ],
    )
    def test_each_names_its_parameter(self, client, rep_headers, path, field):
        response = client.get(path, headers=rep_headers)
        assert response.status_code == 400
        assert response.get_json()["field"] == field
