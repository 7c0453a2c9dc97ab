"""Which of many values are in an indexed column: the set lookups a sync page and reconciliation make by Gmail id or address."""

from threadbook.db import database

LOOKUP_CHUNK = 500


def column_in(model, column, values, **equal):
    """Return the values of ``column`` found among ``values`` in rows matching ``equal`` (field=value).

    Plain SQL over indexed columns: peewee builds a node per IN parameter, which
    costs more than the lookup itself at a page of 500 ids.
    """
    values = list(values)
    if not values:
        return []
    fields = model._meta.fields
    param = database.obj.param
    where = " AND ".join(f'"{fields[name].column_name}" = {param}' for name in equal)
    found = []
    for start in range(0, len(values), LOOKUP_CHUNK):
        chunk = values[start : start + LOOKUP_CHUNK]
        sql = 'SELECT "{}" FROM "{}" WHERE {} AND "{}" IN ({})'.format(
            fields[column].column_name,
            model._meta.table_name,
            where,
            fields[column].column_name,
            ", ".join([param] * len(chunk)),
        )
        found.extend(row[0] for row in database.execute_sql(sql, [*equal.values(), *chunk]).fetchall())
    return found
