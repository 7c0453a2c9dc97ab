"""hot_sql: a list parameter matches any of its items, on SQLite and PostgreSQL (test_hot_sql_postgres.py: preparing)."""

import collections

from threadbook import hot_sql

SQL = 'SELECT id, email FROM "user" WHERE org_id = ? AND email IN [?] ORDER BY id'
Row = collections.namedtuple("Row", "id email")


def test_a_list_matches_any_of_its_items_and_an_empty_list_matches_nothing(db, factory):
    org, other = factory.org(domain="acme.example"), factory.org(domain="other.example")
    ada = factory.user(org, email="ada@acme.example")
    bob = factory.user(org, email="bob@acme.example")
    factory.user(other, email="eve@other.example")

    assert hot_sql.fetch(SQL, [org.id, ["bob@acme.example", "ada@acme.example", "eve@other.example"]], Row) == [
        Row(ada.id, "ada@acme.example"),
        Row(bob.id, "bob@acme.example"),
    ]
    assert hot_sql.fetch(SQL, [org.id, ("ada@acme.example",)]) == [(ada.id, "ada@acme.example")]
    assert hot_sql.fetch(SQL, [org.id, []]) == []
    # Values stay values: a quote in an item is data, not SQL.
    assert hot_sql.fetch(SQL, [org.id, ["x' OR '1'='1"]]) == []


def test_fetch_models_gives_the_instances_peewee_would_loaded_unchanged(db, factory):
    import datetime

    from threadbook.models import Email

    org = factory.org(domain="acme.example")
    ada = factory.user(org, email="ada@acme.example")
    fields = dict(org=org, owner=ada, logged_by=ada, subject="Renewal", from_email="c@client.example", from_name="C", snippet="s", visibility="private")
    later = Email.create(**fields, message_key="<b@x>", date=datetime.datetime(2026, 3, 2, 9, 30), to=[{"name": "Ada", "email": "ada@acme.example"}])
    earlier = Email.create(**fields, message_key="<a@x>", date=datetime.datetime(2026, 3, 1, 8, 0, 0, 123456), cc=[], content_stored=False, body=None)
    sql = "SELECT {} FROM email WHERE id IN [?] ORDER BY date, id".format(", ".join(f'"{c}"' for c in Email._meta.columns))

    found = hot_sql.fetch_models(Email, sql, [[later.id, earlier.id]])

    expected = list(Email.select().where(Email.id.in_([later.id, earlier.id])).order_by(Email.date, Email.id))
    assert [e.id for e in found] == [earlier.id, later.id]
    for got, want in zip(found, expected, strict=True):
        assert isinstance(got, Email) and got.__data__ == want.__data__  # dates as datetimes, JSON decoded, booleans as booleans
        assert not got.dirty_fields  # as loaded: nothing marked changed
    assert found[1].to == [{"name": "Ada", "email": "ada@acme.example"}] and found[0].content_stored is False
    assert hot_sql.fetch_models(Email, sql, [[]]) == []
