"""Hand-written SQL for the paths every request takes (the lookup, the session check), on either database.

Statements are written once with ``?`` for a value and ``IN [?]`` for a list
(a Python list or tuple):

- on SQLite ``IN [?]`` becomes ``IN (?, ?, ...)``, one mark per item (an empty
  list matches nothing); sqlite3 caches the compiled statement by its text;
- on PostgreSQL it becomes ``= ANY($n)`` with the list sent as one array, so
  the statement's text no longer depends on how many items there are, and it is
  ``PREPARE``d once per connection and ``EXECUTE``d after that. Planning was
  about a third of each lookup query's time on PostgreSQL (0.15 ms of 0.45 ms
  for the contacts of 20 addresses, bench/lookup_profile.py), and the lookup
  runs a dozen of them.

A prepared statement lives as long as its connection; the registry of which
connection holds which is keyed weakly by connection, so a connection the
pool drops takes its names with it. PostgreSQL re-plans a prepared statement
itself when a migration changes a table it reads.
"""

import hashlib
import itertools
import re
import weakref

from threadbook.db import database, is_postgres

_LIST = "IN [?]"
_MARK = re.compile(r"IN \[\?\]|\?")
_prepared = weakref.WeakKeyDictionary()  # PostgreSQL connection -> names prepared on it
_pg_text = {}  # statement -> (name, PREPARE text)


def fetch(sql, params, shape=None):
    """Run ``sql`` with ``params`` (a list for each ``IN [?]``) and return its rows, as ``shape`` tuples if given."""
    cursor = _run(sql, params)
    rows = cursor.fetchall()
    return [shape._make(row) for row in rows] if shape else rows


def fetch_models(model, sql, params):
    """Run ``sql``, which selects columns of ``model``'s table, and return ``model`` instances, each value converted as peewee converts it.

    For a hot path that needs real model instances (the serializers' access
    rules take them): peewee builds the same SELECT for a list of ids in about
    1 ms of Python, ten times what SQLite takes to run it.
    """
    cursor = _run(sql, params)
    columns = model._meta.columns
    fields = [columns[description[0]] for description in cursor.description]
    names = [field.name for field in fields]
    converters = [field.python_value for field in fields]
    instances = []
    for row in cursor.fetchall():
        instance = model(__no_default__=1, **{name: convert(value) for name, convert, value in zip(names, converters, row, strict=True)})
        instance._dirty.clear()  # as loaded, not changed: a save() writes nothing until a field is set
        instances.append(instance)
    return instances


def _run(sql, params):
    return _run_postgres(sql, params) if is_postgres() else _run_sqlite(sql, params)


def _run_sqlite(sql, params):
    if _LIST not in sql:
        return database.execute_sql(sql, params)
    heads, kinds, tail = _sqlite_split(sql)
    pieces, flat = [], []
    for text, value, is_list in zip(heads, params, kinds, strict=True):
        pieces.append(text)
        if is_list:
            items = list(value)
            pieces.append(f"IN ({', '.join('?' * len(items))})" if items else "IN (NULL)")
            flat.extend(items)
        else:
            pieces.append("?")
            flat.append(value)
    pieces.append(tail)
    return database.execute_sql("".join(pieces), flat)


_sqlite_splits = {}  # statement -> (the text before each mark, whether each mark is a list, the text after the last)


def _sqlite_split(sql):
    """``sql`` split around its marks (cached: this runs a dozen times a lookup)."""
    split = _sqlite_splits.get(sql)
    if split is None:
        heads, kinds, position = [], [], 0
        for mark in _MARK.finditer(sql):
            heads.append(sql[position : mark.start()])
            kinds.append(mark.group() == _LIST)
            position = mark.end()
        split = _sqlite_splits[sql] = (heads, kinds, sql[position:])
    return split


def _run_postgres(sql, params):
    name, prepare = _pg_statement(sql)
    connection = database.connection()
    names = _prepared.get(connection)
    if names is None:
        names = _prepared[connection] = set()
    if name not in names:
        database.execute_sql(prepare)
        names.add(name)
    values = [list(v) if isinstance(v, (list, tuple)) else v for v in params]
    arguments = f"({', '.join(['%s'] * len(values))})" if values else ""
    return database.execute_sql(f"EXECUTE {name}{arguments}", values)


def _pg_statement(sql):
    found = _pg_text.get(sql)
    if found is None:
        counter = itertools.count(1)

        def numbered(mark):
            n = next(counter)
            return f"= ANY(${n})" if mark.group() == _LIST else f"${n}"

        name = "tb_" + hashlib.blake2s(sql.encode(), digest_size=8).hexdigest()
        found = _pg_text[sql] = (name, f"PREPARE {name} AS {_MARK.sub(numbered, sql)}")
    return found
