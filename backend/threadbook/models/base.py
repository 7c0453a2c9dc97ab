"""What every model shares: the database binding, snake_case table names, UTC timestamps and a JSON column."""

import datetime
import json

from peewee import Model, TextField

from threadbook.db import database


def utcnow():
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


class JSONField(TextField):
    """Store JSON as text, portable across SQLite and PostgreSQL."""

    def db_value(self, value):
        return None if value is None else json.dumps(value, separators=(",", ":"))

    def python_value(self, value):
        return None if value is None else json.loads(value)


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False
