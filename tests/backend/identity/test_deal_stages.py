"""The organisation's deal stages: everyone reads them in GET /org, only an administrator names them."""

import pytest

from threadbook import migrations
from threadbook.db import database
from threadbook.models import AuditLog, Organization

DEFAULTS = ["qualification", "proposal", "negotiation"]


@pytest.fixture
def org(factory):
    return factory.org(name="Acme", domain="acme.example")


@pytest.fixture
def admin(factory, org):
    return factory.user(org, email="admin@acme.example", role="admin")


@pytest.fixture
def member(factory, org):
    return factory.user(org, email="member@acme.example")


def stages(client, factory, user):
    return client.get("/api/v1/org", headers=factory.headers(user)).get_json()["deal_stages"]


def test_a_new_organisation_has_the_default_stages_for_everyone(client, factory, admin, member):
    assert stages(client, factory, member) == DEFAULTS
    assert client.get("/api/v1/me", headers=factory.headers(member)).get_json()["org"]["deal_stages"] == DEFAULTS


def test_an_admin_names_the_stages_in_order_and_it_is_audited(client, factory, org, admin, member, db):
    wanted = ["Discovery", " Demo ", "Proposal", "Négociation"]
    response = client.patch("/api/v1/org", json={"deal_stages": wanted}, headers=factory.headers(admin))
    assert response.status_code == 200
    assert response.get_json()["deal_stages"] == ["Discovery", "Demo", "Proposal", "Négociation"]
    # Every member reads the new order.
    assert stages(client, factory, member) == ["Discovery", "Demo", "Proposal", "Négociation"]
    entry = AuditLog.get(AuditLog.action == "org.updated")
    assert entry.user_id == admin.id
    assert entry.detail["changes"]["deal_stages"] == [DEFAULTS, ["Discovery", "Demo", "Proposal", "Négociation"]]


def test_sending_the_stages_already_in_force_changes_nothing(client, factory, admin, db):
    assert client.patch("/api/v1/org", json={"deal_stages": DEFAULTS}, headers=factory.headers(admin)).status_code == 200
    assert AuditLog.select().where(AuditLog.action == "org.updated").count() == 0


def test_another_admin_of_the_organisation_may_change_them_too(client, factory, org, admin, db):
    colleague = factory.user(org, email="second-admin@acme.example", role="admin")
    response = client.patch("/api/v1/org", json={"deal_stages": ["Won?"]}, headers=factory.headers(colleague))
    assert response.status_code == 200
    assert Organization.get_by_id(org.id).deal_stages == ["Won?"]


def test_a_member_is_refused_and_nothing_changes(client, factory, org, admin, member, db):
    client.patch("/api/v1/org", json={"deal_stages": ["Ours"]}, headers=factory.headers(admin))
    response = client.patch("/api/v1/org", json={"deal_stages": ["Mine"]}, headers=factory.headers(member))
    assert response.status_code == 403
    assert "administrator" in response.get_json()["message"]
    assert Organization.get_by_id(org.id).deal_stages == ["Ours"]
    assert stages(client, factory, member) == ["Ours"]


def test_a_demoted_admin_is_refused_at_once(client, factory, org, admin, member, db):
    client.patch(f"/api/v1/org/members/{member.id}", json={"role": "admin"}, headers=factory.headers(admin))
    headers = factory.headers(member)
    assert client.patch("/api/v1/org", json={"deal_stages": ["A"]}, headers=headers).status_code == 200
    client.patch(f"/api/v1/org/members/{member.id}", json={"role": "member"}, headers=factory.headers(admin))
    assert client.patch("/api/v1/org", json={"deal_stages": ["B"]}, headers=headers).status_code == 403
    assert Organization.get_by_id(org.id).deal_stages == ["A"]


def test_an_admin_of_another_organisation_changes_only_their_own(client, factory, org, db):
    outsider = factory.user(factory.org(name="Other", domain="other.example"), email="boss@other.example", role="admin")
    assert client.patch("/api/v1/org", json={"deal_stages": ["Theirs"]}, headers=factory.headers(outsider)).status_code == 200
    assert Organization.get_by_id(org.id).deal_stages is None


@pytest.mark.parametrize(
    "value, words",
    [
        ("qualification", "list of 1 to 20"),
        ([], "list of 1 to 20"),
        (None, "list of 1 to 20"),
        ({"a": 1}, "list of 1 to 20"),
        ([f"stage {n}" for n in range(21)], "list of 1 to 20"),
        (["ok", ""], "Deal stage 2 must be a name"),
        (["   "], "Deal stage 1 must be a name"),
        (["ok", 3], "Deal stage 2 must be a name"),
        (["ok", None], "Deal stage 2 must be a name"),
        (["x" * 51], "longer than 50"),
        (["Demo", "demo "], "listed twice"),
        (["bad\x00name"], "NUL"),
    ],
)
def test_bad_stages_are_400_naming_the_field(client, factory, org, admin, db, value, words):
    response = client.patch("/api/v1/org", json={"deal_stages": value}, headers=factory.headers(admin))
    assert response.status_code == 400
    body = response.get_json()
    assert body["field"] == "deal_stages"
    assert words in body["message"]
    assert Organization.get_by_id(org.id).deal_stages is None


def test_twenty_stages_of_fifty_characters_are_accepted(client, factory, admin):
    wanted = [f"{n:02d}" + "x" * 48 for n in range(20)]
    response = client.patch("/api/v1/org", json={"deal_stages": wanted}, headers=factory.headers(admin))
    assert response.status_code == 200
    assert response.get_json()["deal_stages"] == wanted


def test_a_database_from_before_version_9_gains_the_column_with_the_defaults(client, factory, org, admin, db):
    from playhouse.migrate import migrate

    migrate(migrations._migrator().drop_column("organization", "deal_stages"))
    migrations.SchemaVersion.delete().execute()
    migrations.SchemaVersion.create(version=6, description="sign-in nonces are used once")
    assert "deal_stages" not in {c.name for c in database.get_columns("organization")}

    assert 9 in migrations.upgrade()

    assert migrations.current_version() == migrations.LATEST
    assert stages(client, factory, admin) == DEFAULTS
    assert migrations.upgrade() == []
