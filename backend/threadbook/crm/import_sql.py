"""Multi-row statements for the importer, written as SQL with parameters rather than built by peewee.

peewee builds a 500-row INSERT value by value in Python (about 40 ms; the
database runs it in 3), and the importer builds them inside its write
transaction, where every millisecond is one the API's writers wait. The text
here is the same on SQLite (3.35 or newer, for RETURNING) and PostgreSQL.
Values go to the driver as they are (text, integers, None, datetimes,
booleans), as peewee passes those types too.
"""

from threadbook.db import database


def _quoted(name):
    return '"' + name.replace('"', '""') + '"'


def _column(model, name):
    return _quoted(model._meta.fields[name].column_name)


def insert_rows(model, names, rows, returning, ignore_conflicts=False):
    """Insert ``rows`` (tuples of values for the fields ``names``) in one statement; return the ``returning`` values of the rows inserted.

    ``ignore_conflicts`` skips rows a unique index refuses (ON CONFLICT DO NOTHING); they return nothing.
    """
    if not rows:
        return []
    param = database.param
    values = ",".join(["(" + ",".join([param] * len(names)) + ")"] * len(rows))
    sql = (
        f"INSERT INTO {_quoted(model._meta.table_name)} ({','.join(_column(model, n) for n in names)}) VALUES {values}"
        f"{' ON CONFLICT DO NOTHING' if ignore_conflicts else ''} RETURNING {_column(model, returning)}"
    )
    params = [value for row in rows for value in row]
    return [row[0] for row in database.execute_sql(sql, params).fetchall()]


def select_in(sql_template, org_id, values):
    """Run ``sql_template`` with ``{org}`` and ``{values}`` replaced by parameters (the organisation, then ``values``); return the rows."""
    if not values:
        return []
    param = database.param
    sql = sql_template.format(org=param, values=",".join([param] * len(values)))
    return database.execute_sql(sql, [org_id, *values]).fetchall()
