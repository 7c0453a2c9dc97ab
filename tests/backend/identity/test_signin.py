"""Who a signed-in account becomes: organisations, first admin, invitations, users added beforehand."""

import pytest

from threadbook.cli import cli
from threadbook.identity.signin import is_loopback_bind
from threadbook.models import AuditLog, Invitation, Organization, User

from ...fakes.google_identity import session_body


@pytest.fixture
def app_settings(google_identity):
    return dict(google_identity.settings)


@pytest.fixture
def sign_in(client, google_identity):
    """Sign in as an account (sub, email, hd, name); return the response."""

    def sign_in(email, sub=None, hd=None, name="Someone", **claims):
        token = google_identity.mint_id_token(sub=sub or f"sub-{email}", email=email, hd=hd, name=name, **claims)
        return client.post("/api/v1/session", json=session_body(token))

    return sign_in


def test_workspace_users_share_their_domain_organisation_and_the_first_is_admin(sign_in, db):
    first = sign_in("ada@acme.example", hd="acme.example").get_json()
    second = sign_in("bob@acme.example", hd="acme.example").get_json()
    assert first["org"]["id"] == second["org"]["id"]
    assert first["org"]["domain"] == "acme.example"
    assert first["org"]["is_personal"] is False
    assert (first["user"]["role"], second["user"]["role"]) == ("admin", "member")
    assert Organization.select().count() == 1


def test_another_domain_gets_another_organisation(sign_in):
    acme = sign_in("ada@acme.example", hd="acme.example").get_json()
    globex = sign_in("gus@globex.example", hd="globex.example").get_json()
    assert acme["org"]["id"] != globex["org"]["id"]
    assert globex["user"]["role"] == "admin"


def test_hd_is_compared_without_case(sign_in):
    first = sign_in("ada@acme.example", hd="acme.example").get_json()
    second = sign_in("bob@acme.example", hd="ACME.example").get_json()
    assert first["org"]["id"] == second["org"]["id"]


def test_consumer_accounts_get_personal_organisations(sign_in, db):
    one = sign_in("one@gmail.com").get_json()
    two = sign_in("two@gmail.com").get_json()
    assert one["org"]["is_personal"] and two["org"]["is_personal"]
    assert one["org"]["domain"] is None
    assert one["org"]["id"] != two["org"]["id"]
    assert one["user"]["role"] == two["user"]["role"] == "admin"


def test_signing_in_again_is_the_same_user_and_updates_the_profile(sign_in, db):
    first = sign_in("ada@acme.example", hd="acme.example", name="Ada").get_json()
    again = sign_in("ada@acme.example", hd="acme.example", name="Ada Lovelace").get_json()
    assert again["user"]["id"] == first["user"]["id"]
    assert again["user"]["name"] == "Ada Lovelace"
    assert again["user"]["last_login_at"]
    assert User.select().count() == 1


def test_invite_only_organisation_admits_only_invited_addresses(sign_in, factory, db):
    org = factory.org(domain="acme.example", invite_only=True)
    factory.user(org, email="admin@acme.example", role="admin")
    refused = sign_in("eve@acme.example", hd="acme.example")
    assert refused.status_code == 403
    assert "invite" in refused.get_json()["message"]
    entry = AuditLog.get(AuditLog.action == "signin.refused")
    assert entry.org_id == org.id
    assert entry.detail["reason"] == "not_invited"
    assert entry.detail["email"] == "eve@acme.example"

    Invitation.create(org=org, email_normalized="eve@acme.example", role="admin")
    admitted = sign_in("eve@acme.example", hd="acme.example")
    assert admitted.status_code == 200
    assert admitted.get_json()["user"]["role"] == "admin"
    assert Invitation.select().count() == 0  # used up


def test_an_invitation_sets_the_role_in_an_open_organisation_too(sign_in, factory):
    org = factory.org(domain="acme.example")
    factory.user(org, email="admin@acme.example", role="admin")
    with factory.app.app_context():
        Invitation.create(org=org, email_normalized="boss@acme.example", role="admin")
    assert sign_in("boss@acme.example", hd="acme.example").get_json()["user"]["role"] == "admin"
    assert sign_in("staff@acme.example", hd="acme.example").get_json()["user"]["role"] == "member"


def test_the_first_user_of_an_organisation_without_admin_becomes_admin_even_if_invited_as_member(sign_in, factory):
    org = factory.org(domain="acme.example", invite_only=True)
    with factory.app.app_context():
        Invitation.create(org=org, email_normalized="ada@acme.example", role="member")
    assert sign_in("ada@acme.example", hd="acme.example").get_json()["user"]["role"] == "admin"


def test_a_consumer_account_invited_to_an_organisation_without_domain_joins_it(sign_in, factory):
    org = factory.org(name="Agency")
    factory.user(org, email="boss@agency.example", role="admin")
    with factory.app.app_context():
        Invitation.create(org=org, email_normalized="freelancer@gmail.com")
    body = sign_in("Free.Lancer+crm@gmail.com").get_json()
    assert body["org"]["id"] == org.id
    assert body["user"]["role"] == "member"


def test_a_consumer_account_cannot_use_an_invitation_to_a_workspace_organisation(sign_in, factory):
    org = factory.org(domain="acme.example")
    factory.user(org, email="admin@acme.example", role="admin")
    with factory.app.app_context():
        Invitation.create(org=org, email_normalized="outsider@gmail.com")
    body = sign_in("outsider@gmail.com").get_json()
    assert body["org"]["id"] != org.id
    assert body["org"]["is_personal"]


class TestUsersAddedBeforehand:
    """``threadbook add-user`` stores google_sub 'pending:<normalised email>'; the first sign-in binds it."""

    def test_first_sign_in_binds_the_real_sub(self, sign_in, factory, db):
        org = factory.org(domain="acme.example")
        added = factory.user(org, email="Ada@acme.example", role="admin", google_sub="pending:ada@acme.example")
        body = sign_in("ada@acme.example", sub="google-123", hd="acme.example").get_json()
        assert body["user"]["id"] == added.id
        assert body["user"]["role"] == "admin"
        assert body["user"]["pending"] is False
        assert User.get_by_id(added.id).google_sub == "google-123"
        assert AuditLog.get(AuditLog.action == "user.bound").detail["placeholder"] == "pending"
        # and the sub is what identifies them from now on
        assert sign_in("ada@acme.example", sub="google-123", hd="acme.example").get_json()["user"]["id"] == added.id

    def test_a_user_added_with_the_cli_binds_at_first_sign_in(self, app, sign_in, factory, db):
        org = factory.org(domain="acme.example", invite_only=True)
        result = app.test_cli_runner().invoke(cli, args=["add-user", "Grace.Hopper@ACME.example", "--org", str(org.id), "--role", "admin"])
        assert result.exit_code == 0, result.output
        body = sign_in("grace.hopper@acme.example", sub="g-grace", hd="acme.example").get_json()
        assert body["user"]["role"] == "admin"
        assert body["org"]["id"] == org.id
        assert User.get(User.google_sub == "g-grace").email == "Grace.Hopper@ACME.example"

    def test_a_pending_user_joins_even_an_invite_only_organisation(self, sign_in, factory):
        org = factory.org(domain="acme.example", invite_only=True)
        added = factory.user(org, email="bob@acme.example", google_sub="pending:bob@acme.example")
        assert sign_in("bob@acme.example", hd="acme.example").get_json()["user"]["id"] == added.id

    def test_a_pending_user_in_a_workspace_organisation_needs_its_hd(self, sign_in, factory, db):
        org = factory.org(domain="acme.example")
        factory.user(org, email="ada@gmail.com", google_sub="pending:ada@gmail.com")
        response = sign_in("ada@gmail.com")
        assert response.status_code == 401
        assert User.get(User.email_normalized == "ada@gmail.com").google_sub == "pending:ada@gmail.com"

    def test_a_pending_consumer_address_in_a_team_binds(self, sign_in, factory):
        org = factory.org(name="Agency")
        added = factory.user(org, email="ada.l@gmail.com", google_sub="pending:adal@gmail.com")
        assert sign_in("adal@gmail.com").get_json()["user"]["id"] == added.id


def test_a_second_google_account_with_a_taken_address_is_refused(sign_in, db):
    assert sign_in("ada@acme.example", sub="first", hd="acme.example").status_code == 200
    response = sign_in("ada@acme.example", sub="second", hd="acme.example")
    assert response.status_code == 409
    assert User.select().count() == 1


def test_an_existing_member_signing_in_from_another_workspace_is_refused(sign_in, db):
    sign_in("ada@acme.example", sub="s1", hd="acme.example")
    response = sign_in("ada@acme.example", sub="s1", hd="globex.example")
    assert response.status_code == 401
    assert AuditLog.get(AuditLog.action == "signin.refused").detail["reason"] == "hd_mismatch"


@pytest.mark.parametrize(
    "bind, loopback",
    [
        ("127.0.0.1:5000", True),
        ("localhost:5000", True),
        ("[::1]:5000", True),
        ("127.0.0.2:80", True),
        ("unix:/run/threadbook.sock", True),
        ("0.0.0.0:5000", False),
        ("[::]:5000", False),
        ("192.168.1.10:5000", False),
        ("example.com:5000", False),
        (":5000", False),
        ("", False),
    ],
)
def test_loopback_binds(bind, loopback):
    assert is_loopback_bind(bind) is loopback
