"""The application shell: health, JSON errors, request size limit."""

import pytest
from flask import abort

from threadbook.errors import ApiError


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"ok": True, "checks": {"database": "ok"}}  # no Redis configured: not checked


def test_healthz_answers_503_when_the_database_is_gone(tmp_path):
    from threadbook import create_app

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'missing-dir' / 'db.sqlite3'}", "SECRET_KEY": "a-secret-long-enough-to-sign-sessions-0123"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["error"] == "dependency_unavailable" and body["failed"] == ["database"]
    assert "database" in body["message"] and body["checks"]["database"].startswith("unreachable: ")


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 409, 413, 429, 500])
def test_every_error_status_is_json(app, status):
    @app.get(f"/boom/{status}")
    def boom():
        abort(status)

    response = app.test_client().get(f"/boom/{status}")
    assert response.status_code == status
    body = response.get_json()
    assert set(body) >= {"error", "message"}
    assert body["message"]


def test_unexpected_exception_is_a_json_500_without_details(app):
    @app.get("/crash")
    def crash():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/crash")
    assert response.status_code == 500
    assert response.get_json()["error"] == "internal_error"
    assert "secret" not in response.get_data(as_text=True)


def test_api_error_carries_code_and_headers(app):
    @app.get("/busy")
    def busy():
        raise ApiError(503, "Gmail is busy.", headers={"Retry-After": "7"})

    response = app.test_client().get("/busy")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "7"
    assert response.get_json() == {"error": "unavailable", "message": "Gmail is busy."}


def test_unknown_route_is_json_404(client):
    response = client.get("/no/such/route")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


def test_wrong_method_is_json_405(client):
    response = client.post("/healthz")
    assert response.status_code == 405
    assert response.get_json()["error"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_request_body_over_the_limit_is_413(app):
    @app.post("/echo")
    def echo():
        from flask import request

        return {"n": len(request.get_data())}

    limit = app.config["MAX_CONTENT_LENGTH"]
    response = app.test_client().post("/echo", data=b"x" * (limit + 1), content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["error"] == "payload_too_large"
