"""What a user is told about: new-mail notifications, and each mailbox's sync counts per day (for its health)."""

from peewee import AutoField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField, TextField

from threadbook.models.base import BaseModel, utcnow
from threadbook.models.identity import Organization, User
from threadbook.models.mail import Email
from threadbook.models.sync import Mailbox


class Notification(BaseModel):
    """A contact or lead wrote: ``user`` (the record's owner) is told once per mail (``message_key``)."""

    id = AutoField()
    org = ForeignKeyField(Organization, on_delete="CASCADE")
    user = ForeignKeyField(User, on_delete="CASCADE")
    email = ForeignKeyField(Email, on_delete="CASCADE")
    message_key = CharField()
    kind = CharField(default="new_mail")
    record_kind = CharField()  # contact, lead
    record_id = IntegerField()
    record_name = CharField(default="")
    from_email = CharField(default="")
    subject = TextField(default="")
    gmail_thread_id = CharField(null=True)
    created_at = DateTimeField(default=utcnow, index=True)
    read_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("user", "message_key"), True),)


class SyncDay(BaseModel):
    """One mailbox's sync counts for one (UTC) day: messages stored, filtered out, failed."""

    id = AutoField()
    mailbox = ForeignKeyField(Mailbox, on_delete="CASCADE")
    day = DateField()
    stored = IntegerField(default=0)
    filtered = IntegerField(default=0)
    failed = IntegerField(default=0)

    class Meta:
        indexes = ((("mailbox", "day"), True),)
