"""Development sign-in: off by default, loopback only, and marked as such everywhere."""

import pytest

from threadbook.models import AuditLog, User

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
        real = client.post("/api/v1/session", json={"id_token": google_identity.mint_id_token()}).get_json()
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
