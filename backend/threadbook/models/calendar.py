"""Meetings and their attendees (by normalised address), from the CRM or a user's Google Calendar."""

from peewee import AutoField, CharField, DateTimeField, ForeignKeyField, TextField

from threadbook.models.base import BaseModel, utcnow
from threadbook.models.identity import Organization, User


class Meeting(BaseModel):
    id = AutoField()
    org = ForeignKeyField(Organization, backref="meetings", on_delete="CASCADE")
    owner = ForeignKeyField(User, null=True, on_delete="SET NULL")
    title = CharField(default="")
    description = TextField(default="")
    location = CharField(default="")
    start = DateTimeField(index=True)
    end = DateTimeField()
    status = CharField(default="confirmed")  # confirmed, cancelled
    source = CharField(default="crm")  # crm, calendar
    google_event_id = CharField(null=True)
    google_etag = CharField(null=True)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("owner", "google_event_id"), True),)


class MeetingAttendee(BaseModel):
    id = AutoField()
    org = ForeignKeyField(Organization, on_delete="CASCADE")
    meeting = ForeignKeyField(Meeting, backref="attendees", on_delete="CASCADE")
    address = CharField()
    address_normalized = CharField()
    name = CharField(default="")
    response_status = CharField(default="needsAction")

    class Meta:
        indexes = (
            (("meeting", "address_normalized"), True),
            (("org", "address_normalized"), False),
        )
