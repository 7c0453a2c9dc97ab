"""Organisation settings, members, invitations, the audit log and /me: admins write, members read."""

import pytest

from threadbook.models import AuditLog, Invitation, Organization, User


@pytest.fixture
def org(factory):
    return factory.org(name="Acme", domain="acme.example")


@pytest.fixture
def admin(factory, org):
    return factory.user(org, email="admin@acme.example", role="admin", dropbox_token="secret-dropbox-token")


@pytest.fixture
def member(factory, org):
    return factory.user(org, email="member@acme.example", role="member")


def test_me_describes_the_caller_without_secrets(client, factory, admin):
    response = client.get("/api/v1/me", headers=factory.headers(admin))
    assert response.status_code == 200
    body = response.get_json()
    assert body["user"]["email"] == "admin@acme.example"
    assert body["user"]["role"] == "admin"
    assert body["user"]["dev"] is False
    assert body["org"]["name"] == "Acme"
    text = response.get_data(as_text=True)
    assert "secret-dropbox-token" not in text
    assert admin.google_sub not in text
    assert "service_account" not in text


def test_anyone_reads_the_settings_and_members(client, factory, admin, member):
    headers = factory.headers(member)
    assert client.get("/api/v1/org", headers=headers).get_json()["default_visibility"] == "team_metadata"
    members = client.get("/api/v1/org/members", headers=headers).get_json()["members"]
    assert [m["email"] for m in members] == ["admin@acme.example", "member@acme.example"]
    assert all("google_sub" not in m and "dropbox_token" not in m for m in members)


ADMIN_ONLY = [
    ("PATCH", "/api/v1/org", {"name": "Mine now"}),
    ("PATCH", "/api/v1/org/members/{admin}", {"role": "member"}),
    ("GET", "/api/v1/org/invitations", None),
    ("POST", "/api/v1/org/invitations", {"email": "x@acme.example"}),
    ("DELETE", "/api/v1/org/invitations/{invitation}", None),
    ("GET", "/api/v1/org/audit", None),
]


@pytest.mark.parametrize("method, path, body", ADMIN_ONLY)
def test_members_get_403_from_admin_routes_and_nothing_changes(client, factory, org, admin, member, db, method, path, body):
    invitation = Invitation.create(org=org, email_normalized="invited@acme.example")
    path = path.format(admin=admin.id, invitation=invitation.id)
    response = client.open(path, method=method, json=body, headers=factory.headers(member))
    assert response.status_code == 403
    assert "administrator" in response.get_json()["message"]
    assert Organization.get_by_id(org.id).name == "Acme"
    assert User.get_by_id(admin.id).role == "admin"
    assert Invitation.select().count() == 1


class TestSettings:
    def test_admin_changes_settings_and_it_is_audited(self, client, factory, org, admin, db):
        changes = {
            "name": "Acme Corp",
            "invite_only": True,
            "store_bodies": True,
            "default_visibility": "team_full",
            "sync_enabled": False,
            "archive_sorted_threads": True,
        }
        response = client.patch("/api/v1/org", json=changes, headers=factory.headers(admin))
        assert response.status_code == 200
        assert {k: response.get_json()[k] for k in changes} == changes
        assert client.get("/api/v1/org", headers=factory.headers(admin)).get_json()["name"] == "Acme Corp"
        entry = AuditLog.get(AuditLog.action == "org.updated")
        assert entry.user_id == admin.id
        assert entry.detail["changes"]["name"] == ["Acme", "Acme Corp"]
        assert entry.detail["changes"]["invite_only"] == [False, True]

    def test_an_unchanged_value_writes_no_audit_entry(self, client, factory, admin, db):
        client.patch("/api/v1/org", json={"name": "Acme"}, headers=factory.headers(admin))
        assert AuditLog.select().where(AuditLog.action == "org.updated").count() == 0

    @pytest.mark.parametrize(
        "body, field",
        [
            ({"default_visibility": "public"}, "default_visibility"),
            ({"invite_only": "yes"}, "invite_only"),
            ({"invite_only": None}, "invite_only"),
            ({"name": ""}, "name"),
            ({"name": "x" * 201}, "name"),
            ({"name": 5}, "name"),
            ({"domain": "evil.example"}, "domain"),
            ({"service_account_key": "x"}, "service_account_key"),
        ],
    )
    def test_bad_settings_are_400_naming_the_field(self, client, factory, org, admin, db, body, field):
        response = client.patch("/api/v1/org", json=body, headers=factory.headers(admin))
        assert response.status_code == 400
        assert response.get_json()["field"] == field
        assert Organization.get_by_id(org.id).domain == "acme.example"

    def test_a_body_that_is_not_an_object_is_400(self, client, factory, admin):
        assert client.patch("/api/v1/org", json=["name"], headers=factory.headers(admin)).status_code == 400


class TestMembers:
    def test_admin_promotes_and_demotes(self, client, factory, admin, member, db):
        headers = factory.headers(admin)
        response = client.patch(f"/api/v1/org/members/{member.id}", json={"role": "admin"}, headers=headers)
        assert response.status_code == 200
        assert response.get_json()["role"] == "admin"
        assert User.get_by_id(member.id).role == "admin"
        entry = AuditLog.get(AuditLog.action == "member.role_changed")
        assert (entry.detail["old"], entry.detail["new"], entry.detail["member_id"]) == ("member", "admin", member.id)
        response = client.patch(f"/api/v1/org/members/{admin.id}", json={"role": "member"}, headers=headers)
        assert response.status_code == 200

    def test_the_last_admin_cannot_be_demoted(self, client, factory, admin, db):
        response = client.patch(f"/api/v1/org/members/{admin.id}", json={"role": "member"}, headers=factory.headers(admin))
        assert response.status_code == 409
        assert User.get_by_id(admin.id).role == "admin"

    @pytest.mark.parametrize("body", [{}, {"role": "owner"}, {"role": None}, {"role": 1}])
    def test_a_bad_role_is_400(self, client, factory, admin, member, body):
        assert client.patch(f"/api/v1/org/members/{member.id}", json=body, headers=factory.headers(admin)).status_code == 400

    def test_an_unknown_member_is_404(self, client, factory, admin):
        assert client.patch("/api/v1/org/members/999999", json={"role": "admin"}, headers=factory.headers(admin)).status_code == 404

    def test_a_member_changes_nothing_after_being_demoted(self, client, factory, admin, member):
        client.patch(f"/api/v1/org/members/{member.id}", json={"role": "admin"}, headers=factory.headers(admin))
        member_headers = factory.headers(member)
        assert client.get("/api/v1/org/audit", headers=member_headers).status_code == 200
        client.patch(f"/api/v1/org/members/{member.id}", json={"role": "member"}, headers=factory.headers(admin))
        # roles are read per request, not from the token
        assert client.get("/api/v1/org/audit", headers=member_headers).status_code == 403


class TestInvitations:
    def test_invite_list_and_withdraw(self, client, factory, admin, db):
        headers = factory.headers(admin)
        response = client.post("/api/v1/org/invitations", json={"email": "New.Person@Acme.example", "role": "admin"}, headers=headers)
        assert response.status_code == 201
        invitation = response.get_json()
        assert invitation["email"] == "new.person@acme.example"
        assert invitation["role"] == "admin"
        assert invitation["invited_by"] == admin.id
        listed = client.get("/api/v1/org/invitations", headers=headers).get_json()["invitations"]
        assert [i["id"] for i in listed] == [invitation["id"]]
        assert client.delete(f"/api/v1/org/invitations/{invitation['id']}", headers=headers).status_code == 204
        assert client.get("/api/v1/org/invitations", headers=headers).get_json()["invitations"] == []
        actions = [a.action for a in AuditLog.select().order_by(AuditLog.id)]
        assert actions == ["invitation.created", "invitation.deleted"]

    def test_inviting_twice_or_a_member_is_409(self, client, factory, admin, member):
        headers = factory.headers(admin)
        assert client.post("/api/v1/org/invitations", json={"email": "x@acme.example"}, headers=headers).status_code == 201
        assert client.post("/api/v1/org/invitations", json={"email": "X@acme.example"}, headers=headers).status_code == 409
        assert client.post("/api/v1/org/invitations", json={"email": "member@acme.example"}, headers=headers).status_code == 409

    @pytest.mark.parametrize("body", [{}, {"email": "not an address"}, {"email": "x@acme.example", "role": "owner"}])
    def test_bad_invitations_are_400(self, client, factory, admin, body):
        assert client.post("/api/v1/org/invitations", json=body, headers=factory.headers(admin)).status_code == 400

    def test_withdrawing_an_unknown_invitation_is_404(self, client, factory, admin):
        assert client.delete("/api/v1/org/invitations/424242", headers=factory.headers(admin)).status_code == 404


class TestAuditLog:
    def test_newest_first_and_paged(self, client, factory, org, admin, db):
        for n in range(5):
            AuditLog.create(org=org, user=admin, action=f"test.{n}", detail={"n": n}, ip="127.0.0.1")
        headers = factory.headers(admin)
        page = client.get("/api/v1/org/audit?limit=2", headers=headers).get_json()
        assert [e["action"] for e in page["entries"]] == ["test.4", "test.3"]
        assert page["entries"][0]["user"] == {"id": admin.id, "email": admin.email, "name": admin.name}
        page = client.get(f"/api/v1/org/audit?limit=2&before_id={page['next_before_id']}", headers=headers).get_json()
        assert [e["action"] for e in page["entries"]] == ["test.2", "test.1"]
        page = client.get(f"/api/v1/org/audit?limit=2&before_id={page['next_before_id']}", headers=headers).get_json()
        assert [e["action"] for e in page["entries"]] == ["test.0"]
        assert page["next_before_id"] is None

    def test_only_the_callers_organisation(self, client, factory, admin, db):
        other = factory.org(name="Other")
        AuditLog.create(org=other, action="secret.thing", detail={})
        AuditLog.create(org=None, action="signin.refused", detail={"reason": "invalid_token"})
        entries = client.get("/api/v1/org/audit", headers=factory.headers(admin)).get_json()["entries"]
        assert entries == []

    @pytest.mark.parametrize("query", ["limit=0", "limit=201", "limit=x", "before_id=0"])
    def test_bad_paging_is_400(self, client, factory, admin, query):
        assert client.get(f"/api/v1/org/audit?{query}", headers=factory.headers(admin)).status_code == 400
