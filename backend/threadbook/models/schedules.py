"""When each user's syncs of each kind last ran, and whether a "Sync now" is waiting (identity/sync_schedules.py)."""

from peewee import AutoField, CharField, DateTimeField, ForeignKeyField

from threadbook.models.base import BaseModel
from threadbook.models.identity import Organization, User

SYNC_KINDS = ("mail", "calendar", "contacts", "tasks")
SCHEDULE_CHOICES = ("10m", "30m", "2h", "manual")
CALENDAR_DIRECTIONS = ("two_way", "one_way")


class SyncRun(BaseModel):
    """One user's runs of one kind of sync: the last one that finished, and a "Sync now" asked since (if any)."""

    id = AutoField()
    org = ForeignKeyField(Organization, on_delete="CASCADE")
    user = ForeignKeyField(User, on_delete="CASCADE")
    kind = CharField()
    last_run_at = DateTimeField(null=True)
    requested_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("user", "kind"), True),)
