"""Meetings and their attendees (by normalised address), from the CRM or a user's Google Calendars; the calendars each user syncs."""

from peewee import AutoField, BooleanField, CharField, DateTimeField, ForeignKeyField, TextField

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
    # The calendar the event was read from (null: the owner's primary calendar, where CRM meetings go).
    google_calendar_id = CharField(null=True)
    # An occurrence of a recurring event: the series' id (Google's recurringEventId).
    google_series_id = CharField(null=True)
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


class SyncedCalendar(BaseModel):
    """One of a user's Google calendars that calendar sync knows: chosen or not, its sync token, its last success and error."""

    id = AutoField()
    org = ForeignKeyField(Organization, on_delete="CASCADE")
    user = ForeignKeyField(User, backref="synced_calendars", on_delete="CASCADE")
    calendar_id = CharField()  # "primary", or Google's id of another calendar on the user's list
    summary = CharField(default="")  # its name when it was last listed
    access_role = CharField(default="")  # owner, writer, reader (Google's, when last listed)
    selected = BooleanField(default=True)
    sync_token = TextField(null=True)  # Google's nextSyncToken; never shown
    last_synced_at = DateTimeField(null=True)
    last_error = TextField(null=True)  # a sentence the user can act on
    last_error_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("user", "calendar_id"), True),)
