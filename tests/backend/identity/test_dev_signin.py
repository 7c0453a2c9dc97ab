"""Development sign-in: off by default, loopback only, and marked as such everywhere."""

import pytest

from threadbook.models import AuditLog, User

from ...fakes.google_identity import session_body

LOOPBACK = {"DEV_SIGNIN": True, "BIND_ADDRESS": "127.0.0.1:5000"}


def dev_sign_in(client, email="dev@threadbook.test", name="Dev", remote="127.0.0.1"):
    return client.post("/api/v1/session/dev", json={"email": email, "name": name}, environ_base={"REMOTE_ADDR": remote})


class TestOffByDefault:
    def test_refused_unless_enabled(self, client, db):
        response = dev_sign_in(client)
        assert response.status_code == 403
        assert "THREADBOOK_DEV_SIGNIN" in response.get_json()["message"]
        assert User.select().count() == 0
        assert AuditLog.get(AuditLog.action == "signin.refused").detail["reason"] == "dev_signin_refused"

    def test_config_says_it_is_off(self, client):
        assert client.get("/api/v1/config").get_json()["dev_signin"] is False


class TestEnabled:
    @pytest.fixture
    def app_settings(self):
        return dict(LOOPBACK)

    def test_signs_in_and_is_marked_dev_everywhere(self, client, db):
        response = dev_sign_in(client)
        assert response.status_code == 200
        body = response.get_json()
        assert body["user"]["dev"] is True
        headers = {"Authorization": f"Bearer {body['token']}"}
        assert client.get("/api/v1/me", headers=headers).get_json()["user"]["dev"] is True
        members = client.get("/api/v1/org/members", headers=headers).get_json()["members"]
        assert members[0]["dev"] is True
        user = User.get()
        assert user.is_dev and user.google_sub == "dev:dev@threadbook.test"
        assert AuditLog.get(AuditLog.action == "signin").detail["method"] == "dev"

    def test_config_says_it_is_on_for_a_loopback_caller_only(self, client):
        assert client.get("/api/v1/config").get_json()["dev_signin"] is True
        body = client.get("/api/v1/config", environ_base={"REMOTE_ADDR": "10.1.2.3"}).get_json()
        assert body["dev_signin"] is False

    @pytest.mark.parametrize("remote", ["10.0.0.5", "192.168.1.20", "2001:db8::1", ""])
    def test_refused_from_a_remote_address(self, client, db, remote):
        response = dev_sign_in(client, remote=remote)
        assert response.status_code == 403
        assert "loopback" in response.get_json()["message"]
        assert User.select().count() == 0

    def test_ipv6_loopback_is_loopback(self, client):
        assert dev_sign_in(client, remote="::1").status_code == 200

    @pytest.mark.parametrize("body", [{}, {"email": ""}, {"email": "not-an-address"}, {"email": 7}])
    def test_needs_an_address(self, client, body):
        response = client.post("/api/v1/session/dev", json=body)
        assert response.status_code in (400, 401)
        assert response.get_json()["message"]

    def test_joins_the_organisation_of_its_domain_when_one_exists(self, client, factory):
        org = factory.org(domain="threadbook.test")
        factory.user(org, email="admin@threadbook.test", role="admin")
        body = dev_sign_in(client, email="newbie@threadbook.test").get_json()
        assert body["org"]["id"] == org.id
        assert body["user"]["role"] == "member"

    def test_otherwise_a_personal_organisation(self, client):
        body = dev_sign_in(client, email="someone@nowhere.example").get_json()
        assert body["org"]["is_personal"] is True
        assert body["user"]["role"] == "admin"

    def test_cannot_impersonate_a_google_user(self, client, factory, db):
        org = factory.org(domain="threadbook.test")
        factory.user(org, email="boss@threadbook.test", role="admin", google_sub="real-google-sub")
        response = dev_sign_in(client, email="boss@threadbook.test")
        assert response.status_code == 409
        assert User.get(User.email_normalized == "boss@threadbook.test").is_dev is False

    def test_a_later_google_sign_in_takes_over_and_ends_the_dev_sessions(self, client, google_identity, db, app):
        app.config.update(google_identity.settings)
        google_identity.account.update(email="dev@threadbook.test", sub="g-1", hd=None)
        dev = dev_sign_in(client).get_json()
        real = client.post("/api/v1/session", json=session_body(google_identity.mint_id_token())).get_json()
        assert real["user"]["id"] == dev["user"]["id"]
        assert real["user"]["dev"] is False
        assert User.get_by_id(dev["user"]["id"]).google_sub == "g-1"
        assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {dev['token']}"}).status_code == 401
        assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {real['token']}"}).status_code == 200


@pytest.mark.parametrize("bind", ["0.0.0.0:5000", "[::]:8000", "203.0.113.7:80", "example.com:5000"])
def test_refused_when_the_server_listens_beyond_loopback(app, bind, db):
    app.config.update(DEV_SIGNIN=True, BIND_ADDRESS=bind)
    response = dev_sign_in(app.test_client())
    assert response.status_code == 403
    assert bind in response.get_json()["message"]
    assert User.select().count() == 0
    assert app.test_client().get("/api/v1/config").get_json()["dev_signin"] is False


class TestOnlyThisMachine:
    """DNS rebinding and forwarded headers must not reach the development sign-in (the hostile-input issue)."""

    @pytest.fixture
    def app_settings(self):
        return dict(LOOPBACK)

    @pytest.mark.parametrize(
        "host",
        [
            "evil.example",
            "127.0.0.1.evil.example",
            "localhost.evil.example",
            "evil.example:5000",
            "127.0.0.1.evil.example:5000",
            "localhost.",
            "[::1].evil.example",
            "[localhost]:5000",
            "127.0.0.1:5000:80",
            "0.0.0.0:5000",
        ],
    )
    def test_refused_when_addressed_to_another_name(self, client, db, host):
        """A page at evil.example whose name resolves to 127.0.0.1 is a loopback peer; its Host gives it away."""
        response = client.post("/api/v1/session/dev", json={"email": "dev@threadbook.test"}, headers={"Host": host}, environ_base={"REMOTE_ADDR": "127.0.0.1"})
        assert response.status_code == 403
        body = response.get_json()
        assert body["error"] == "forbidden"
        assert "DNS rebinding" in body["message"] and "localhost" in body["message"]
        assert User.select().count() == 0
        assert client.get("/api/v1/config", headers={"Host": host}).get_json()["dev_signin"] is False

    @pytest.mark.parametrize("host", ["localhost", "LOCALHOST:5000", "127.0.0.1", "127.0.0.1:5000", "127.8.9.10:8080", "[::1]", "[::1]:5000"])
    def test_accepted_when_addressed_to_loopback(self, client, host):
        response = client.post("/api/v1/session/dev", json={"email": "dev@threadbook.test"}, headers={"Host": host}, environ_base={"REMOTE_ADDR": "127.0.0.1"})
        assert response.status_code == 200, response.get_json()

    @pytest.mark.parametrize("header", ["X-Forwarded-For", "X-Real-IP", "Forwarded"])
    def test_a_forwarded_header_does_not_make_a_remote_peer_local(self, client, db, header):
        value = "for=127.0.0.1" if header == "Forwarded" else "127.0.0.1"
        response = client.post(
            "/api/v1/session/dev", json={"email": "dev@threadbook.test"}, headers={header: value}, environ_base={"REMOTE_ADDR": "203.0.113.9"}
        )
        assert response.status_code == 403
        assert "loopback" in response.get_json()["message"]
        assert User.select().count() == 0

    def test_a_request_relayed_by_a_proxy_on_this_machine_is_refused(self, client, db):
        """The proxy is a loopback peer, but the request it forwards came from elsewhere."""
        response = dev_sign_in_with(client, {"X-Forwarded-For": "203.0.113.9"}, remote="127.0.0.1")
        assert response.status_code == 403
        assert "proxy" in response.get_json()["message"]
        assert User.select().count() == 0

    def test_proxyfix_cannot_turn_a_forwarded_address_into_the_peer(self, app, db):
        """Behind werkzeug's ProxyFix, remote_addr comes from X-Forwarded-For; the check reads the socket's peer."""
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_host=1)
        response = dev_sign_in_with(
            app.test_client(), {"X-Forwarded-For": "127.0.0.1", "X-Forwarded-Host": "localhost"}, remote="203.0.113.9", host="evil.example"
        )
        assert response.status_code == 403
        assert User.select().count() == 0


def dev_sign_in_with(client, headers, remote, host="localhost"):
    return client.post("/api/v1/session/dev", json={"email": "dev@threadbook.test"}, headers={"Host": host, **headers}, environ_base={"REMOTE_ADDR": remote})


@pytest.mark.parametrize("bind", ["0.0.0.0:5000", "[::]:8000", "203.0.113.7:80", "example.com:5000", "127.0.0.1:5000,0.0.0.0:5000"])
def test_the_app_refuses_to_start_with_dev_signin_beyond_loopback(sqlite_url, bind):
    from threadbook import create_app
    from threadbook.config import ConfigError

    with pytest.raises(ConfigError) as raised:
        create_app({"DATABASE_URL": sqlite_url, "DEV_SIGNIN": True, "BIND_ADDRESS": bind})
    assert "THREADBOOK_DEV_SIGNIN" in str(raised.value) and bind in str(raised.value)
    create_app({"DATABASE_URL": sqlite_url, "DEV_SIGNIN": False, "BIND_ADDRESS": bind})  # off: starts


def test_gunicorn_refuses_to_start_with_dev_signin_beyond_loopback(tmp_path):
    """``-b`` overrides THREADBOOK_BIND; the check runs on what gunicorn would really listen on, before it binds."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    env = {**os.environ, "THREADBOOK_DEV_SIGNIN": "1", "THREADBOOK_BIND": "127.0.0.1:0", "THREADBOOK_INSTANCE_PATH": str(tmp_path)}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    result = subprocess.run(
        [str(gunicorn), "-c", str(root / "backend" / "gunicorn.conf.py"), "-b", "0.0.0.0:0"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "THREADBOOK_DEV_SIGNIN is on but the server listens beyond loopback" in result.stderr
    assert "Listening at" not in result.stderr
