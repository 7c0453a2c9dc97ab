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
