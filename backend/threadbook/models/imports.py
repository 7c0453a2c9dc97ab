"""Contact imports started from the API: the uploaded file until it is imported, progress, the summary and the rejected rows."""

from peewee import AutoField, BlobField, BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from threadbook.models.base import BaseModel, JSONField, utcnow
from threadbook.models.identity import Organization, User

IMPORT_STATUSES = ("queued", "running", "done", "failed")


class ContactImport(BaseModel):
    id = AutoField()
    org = ForeignKeyField(Organization, on_delete="CASCADE")
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    file_name = CharField()
    status = CharField(default="queued")
    dry_run = BooleanField(default=False)
    options = JSONField(default=dict)  # owner_id, mapping, delimiter
    data = BlobField(null=True)  # the file as uploaded; emptied when the import ends
    rows_total = IntegerField(default=0)
    rows_done = IntegerField(default=0)
    summary = JSONField(null=True)
    rejects = BlobField(null=True)  # the rejects file, gzip-compressed CSV
    error = TextField(null=True)
    created_at = DateTimeField(default=utcnow)
    started_at = DateTimeField(null=True)
    finished_at = DateTimeField(null=True)
