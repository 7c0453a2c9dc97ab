"""Client mistakes and hostile input answer a clear 4xx, never a 500 (the hostile-input issue).

Deeply nested JSON once raised RecursionError inside ``request.get_json``
(a 500, even with ``silent=True``), and an integer beyond a database column in
a query string reached the database (another 500).
"""

import json

import pytest
from flask import request

from threadbook.json_limits import MAX_DEPTH, nests_deeper_than

DEEP = "[" * 100_000
DEEP_OBJECT = '{"a":' * 100_000


def nested(depth):
    """Valid JSON: ``depth`` arrays, one inside the other."""
    return "[" * depth + "]" * depth


@pytest.fixture
def admin_headers(factory):
    return factory.headers(factory.user(factory.org(domain="us.example"), role="admin"))


class TestDeeplyNestedJson:
    @pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT, nested(MAX_DEPTH + 1), '{"email": ' + nested(5000) + "}"])
    def test_is_a_400_on_the_unauthenticated_sign_in(self, client, body):
        response = client.post("/api/v1/session", data=body, content_type="application/json")
        assert response.status_code == 400
        assert response.get_json()["error"] == "bad_request"
        assert f"more than {MAX_DEPTH} levels" in response.get_json()["message"]

    @pytest.mark.parametrize("path", ["/api/v1/notes", "/api/v1/contacts", "/api/v1/leads", "/api/v1/lookup", "/api/v1/emails/send"])
    def test_is_a_400_on_authenticated_routes(self, client, admin_headers, path):
        response = client.post(path, data=DEEP, content_type="application/json", headers=admin_headers)
        assert response.status_code == 400, response.get_json()
        assert f"more than {MAX_DEPTH} levels" in response.get_json()["message"]

    def test_a_body_within_the_limit_reaches_the_route(self, client, admin_headers):
        response = client.post(
            "/api/v1/notes", data=json.dumps({"body": json.loads(nested(MAX_DEPTH - 1))}), content_type="application/json", headers=admin_headers
        )
        assert response.status_code == 400
        assert "levels" not in response.get_json()["message"]  # the route's own complaint, not the depth limit

    def test_brackets_inside_strings_do_not_count(self, client, admin_headers, factory):
        text = "[{" * 5000 + ' "quoted \\" [ ' + "}]" * 10
        response = client.post("/api/v1/notes", json={"body": text, "contact_id": 999999}, headers=admin_headers)
        assert response.status_code == 404  # parsed: the contact is what is missing

    @pytest.mark.parametrize("read", ["silent", "strict", "property"])
    def test_flasks_own_get_json_is_covered(self, app, read):
        """A route reading the body with Flask's request.get_json or request.json gets the same 400."""

        @app.post("/echo")
        def echo():
            body = {"silent": lambda: request.get_json(silent=True), "strict": request.get_json, "property": lambda: request.json}[read]()
            return {"ok": body is not None}

        response = app.test_client().post("/echo", data=DEEP, content_type="application/json")
        assert response.status_code == 400
        assert set(response.get_json()) == {"error", "message"}

    @pytest.mark.parametrize(
        "text, deeper",
        [
            (nested(MAX_DEPTH), False),
            (nested(MAX_DEPTH + 1), True),
            ("[" * (MAX_DEPTH + 1), True),
            ('["' + "[" * 1000 + '"]', False),
            ("[]" * 10_000, False),
            (b"[" * (MAX_DEPTH + 1), True),
            (nested(MAX_DEPTH + 1).encode("utf-16"), True),
        ],
    )
    def test_the_depth_count(self, text, deeper):
        assert nests_deeper_than(text) is deeper


class TestIntegersBeyondADatabaseColumn:
    @pytest.mark.parametrize("value", ["99999999999999999999", str(2**63), "-99999999999999999999", "9" * 5000])
    def test_before_id_on_the_audit_log_is_a_400(self, client, admin_headers, value):
        response = client.get(f"/api/v1/org/audit?before_id={value}", headers=admin_headers)
        assert response.status_code == 400
        assert "before_id" in response.get_json()["message"]

    def test_the_largest_database_integer_is_still_accepted(self, client, admin_headers):
        assert client.get(f"/api/v1/org/audit?before_id={2**63 - 1}", headers=admin_headers).status_code == 200

    @pytest.mark.parametrize("value", ["١٢", "1_0", " 7", "7\n", "+7", "0x10", "1e3"])
    def test_only_ascii_digits_are_an_integer(self, client, admin_headers, value):
        response = client.get("/api/v1/org/audit", query_string={"before_id": value}, headers=admin_headers)
        assert response.status_code == 400
        assert "'before_id' must be an" in response.get_json()["message"]

    @pytest.mark.parametrize("query", ["page=99999999999999999999", "per_page=99999999999999999999", "contact_id=99999999999999999999"])
    def test_other_integer_query_parameters_are_a_400(self, client, admin_headers, query):
        response = client.get(f"/api/v1/deals?{query}", headers=admin_headers)
        assert response.status_code == 400
        assert response.get_json()["field"] == query.partition("=")[0]

    def test_an_integer_in_a_body_is_bounded_by_default(self, app):
        from threadbook.api.params import integer
        from threadbook.errors import ApiError

        with pytest.raises(ApiError) as raised:
            integer({"n": 2**63}, "n")
        assert raised.value.status == 400 and "between" in raised.value.message
        assert integer({"n": 2**63 - 1}, "n") == 2**63 - 1

    @pytest.mark.parametrize("value", ["99999999999999999999", str(2**63), "²", "١٢"])
    @pytest.mark.parametrize(
        "path",
        ["/api/v1/meetings?contact_id=", "/api/v1/meetings?lead_id=", "/api/v1/meetings?company_id=", "/api/v1/notes?contact_id=", "/api/v1/deals?company_id="],
    )
    def test_ids_in_any_query_string_are_bounded_for_every_route(self, client, admin_headers, path, value):
        """Views that pass a query id to the database unchecked (meetings' contact_id) once answered 500."""
        response = client.get(path + value, headers=admin_headers)
        assert response.status_code == 400
        assert "must be" in response.get_json()["message"]

    def test_a_service_account_key_text_that_nests_deeply_or_is_not_unicode_is_a_400(self, client, factory):
        admin = factory.user(factory.org(domain="ws.example"), role="admin")
        for key in ["[" * 100_000, "Hello\ud800 there"]:
            response = client.put("/api/v1/org/service-account", data=json.dumps({"key": key}), content_type="application/json", headers=factory.headers(admin))
            assert response.status_code == 400, response.get_json()
            assert response.get_json()["field"] == "key"


@pytest.mark.parametrize("token", ["Hello\ud800 there", "eyJ\u2028.eyJ.sig", "ｅｙＪ.a.b"])
def test_an_id_token_with_characters_no_jwt_has_is_a_401(app, client, token):
    app.config["GOOGLE_CLIENT_IDS"] = ["client.apps.googleusercontent.com"]
    response = client.post("/api/v1/session", data=json.dumps({"id_token": token, "nonce": "n-0123456789"}), content_type="application/json")
    assert response.status_code == 401
    assert "characters" in response.get_json()["message"]
