"""Filters of the audit log (GET /api/v1/org/audit): action, person, dates; checked, combined with paging; admins only."""

import datetime

import pytest

from threadbook.models import AuditLog


@pytest.fixture
def org(factory):
    return factory.org(name="Acme", domain="acme.example")


@pytest.fixture
def admin(factory, org):
    return factory.user(org, email="admin@acme.example", role="admin")


@pytest.fixture
def member(factory, org):
    return factory.user(org, email="member@acme.example")


@pytest.fixture
def log(org, admin, member, db):
    """Entries over three days (UTC): who did what, when."""

    def entry(action, user, day, hour=12):
        return AuditLog.create(org=org, user=user, action=action, detail={}, created_at=datetime.datetime(2026, 3, day, hour))

    return [
        entry("signin", member, 1, 8),
        entry("member.role_changed", admin, 1, 23),
        entry("org.updated", admin, 2),
        entry("member.role_changed", admin, 2, 18),
        entry("contact.deleted", member, 3),
        entry("signin", admin, 3, 9),
    ]


def actions(client, factory, user, query):
    response = client.get(f"/api/v1/org/audit?{query}", headers=factory.headers(user))
    assert response.status_code == 200, response.get_json()
    return [(e["action"], e["user"]["email"] if e["user"] else None, e["created_at"][:13]) for e in response.get_json()["entries"]]


def test_by_action_exactly_or_by_family(client, factory, admin, log):
    assert [a for a, _, _ in actions(client, factory, admin, "action=signin")] == ["signin", "signin"]
    assert [a for a, _, _ in actions(client, factory, admin, "action=member.role_changed")] == ["member.role_changed"] * 2
    assert [a for a, _, _ in actions(client, factory, admin, "action=member.*")] == ["member.role_changed"] * 2
    assert actions(client, factory, admin, "action=member") == []
    # "_" is no wildcard: org.updated is not in the family "org_*" nor is anything matched by a look-alike.
    assert actions(client, factory, admin, "action=membe_.*") == []


def test_by_person(client, factory, admin, member, log):
    assert actions(client, factory, admin, f"user_id={member.id}") == [
        ("contact.deleted", "member@acme.example", "2026-03-03T12"),
        ("signin", "member@acme.example", "2026-03-01T08"),
    ]


def test_a_person_of_another_organisation_finds_nothing(client, factory, admin, log):
    outsider = factory.user(factory.org(name="Other", domain="other.example"), email="x@other.example", role="admin")
    AuditLog.create(org=outsider.org_id, user=outsider, action="signin", detail={})
    assert actions(client, factory, admin, f"user_id={outsider.id}") == []


def test_by_dates_since_included_until_date_includes_its_day(client, factory, admin, log):
    assert [t for _, _, t in actions(client, factory, admin, "since=2026-03-02&until=2026-03-02")] == ["2026-03-02T18", "2026-03-02T12"]
    assert [t for _, _, t in actions(client, factory, admin, "since=2026-03-03")] == ["2026-03-03T09", "2026-03-03T12"]
    assert [t for _, _, t in actions(client, factory, admin, "until=2026-03-01")] == ["2026-03-01T23", "2026-03-01T08"]


def test_by_instants_with_offsets(client, factory, admin, log):
    # 2026-03-02 00:00 at +01:00 is 2026-03-01 23:00 UTC: the late entry of the 1st is in; until excludes its instant.
    query = "since=2026-03-02T00:00:00%2B01:00&until=2026-03-02T18:00:00Z"
    assert [t for _, _, t in actions(client, factory, admin, query)] == ["2026-03-02T12", "2026-03-01T23"]


def test_filters_combine_and_page_with_before_id(client, factory, admin, log):
    headers = factory.headers(admin)
    first = client.get(f"/api/v1/org/audit?user_id={admin.id}&since=2026-03-01&limit=2", headers=headers).get_json()
    assert [e["action"] for e in first["entries"]] == ["signin", "member.role_changed"]
    query = f"user_id={admin.id}&since=2026-03-01&limit=2&before_id={first['next_before_id']}"
    second = client.get(f"/api/v1/org/audit?{query}", headers=headers).get_json()
    assert [e["action"] for e in second["entries"]] == ["org.updated", "member.role_changed"]
    assert second["next_before_id"] is None
    assert actions(client, factory, admin, f"action=signin&user_id={admin.id}&until=2026-03-02") == []


@pytest.mark.parametrize(
    "query, field",
    [
        ("action=Signin", "action"),
        ("action=drop table", "action"),
        ("action=member.%25", "action"),
        ("action=" + "a" * 65, "action"),
        ("user_id=abc", "user_id"),
        ("user_id=0", "user_id"),
        ("user_id=-3", "user_id"),
        ("since=yesterday", "since"),
        ("since=2026-02-30", "since"),
        ("since=2026-03-02T10:00:00", "since"),
        ("until=2026-13-01", "until"),
        ("until=9999-12-31T23:59:59-23:59", "until"),
        ("since=2026-03-03&until=2026-03-01", "until"),
        ("since=2026-03-02T10:00:00Z&until=2026-03-02T10:00:00Z", "until"),
    ],
)
def test_bad_filters_are_400_naming_the_field(client, factory, admin, log, query, field):
    response = client.get(f"/api/v1/org/audit?{query}", headers=factory.headers(admin))
    assert response.status_code == 400
    assert response.get_json()["field"] == field


@pytest.mark.parametrize("query", ["", "action=signin", "since=2026-03-01&until=2026-03-04", "action=nonsense!!"])
def test_a_member_is_refused_whatever_the_filters(client, factory, member, log, query):
    response = client.get(f"/api/v1/org/audit?{query}", headers=factory.headers(member))
    assert response.status_code == 403
    assert "entries" not in response.get_json()
