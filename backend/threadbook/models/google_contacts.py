"""Copying CRM contacts to each user's Google Contacts: the user's choice and health, and each contact copied."""

from peewee import AutoField, BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from threadbook.models.base import BaseModel, utcnow
from threadbook.models.identity import Organization, User

# Which CRM contacts a user copies: their own, every one they may see, one company's, one colleague's.
CONTACTS_FILTERS = ("mine", "all", "company", "owner")


class GoogleContactsSync(BaseModel):
    """One user's "Copy my CRM contacts to Google Contacts": the switch, the filter, the group, and health."""

    id = AutoField()
    org = ForeignKeyField(Organization, on_delete="CASCADE")
    user = ForeignKeyField(User, unique=True, on_delete="CASCADE")
    enabled = BooleanField(default=False)
    filter_kind = CharField(default="mine")
    filter_value = IntegerField(null=True)  # the company's or the owner's id
    group_resource_name = CharField(null=True)  # the "Threadbook" contact group, found again by its id
    retry_at = DateTimeField(null=True)  # Google asked to wait (429 / rateLimitExceeded) until then
    running_until = DateTimeField(null=True)  # a run holds the user until then: one run per user at a time
    last_run_at = DateTimeField(null=True)
    last_synced_at = DateTimeField(null=True)  # the last run that finished
    last_error = TextField(null=True)
    last_error_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)


class GoogleContactLink(BaseModel):
    """A CRM contact Threadbook created in a user's Google Contacts.

    ``contact_id`` is a plain id, not a foreign key: when the CRM contact is
    deleted the link must survive until its Google copy is removed.
    ``fingerprint`` is what was last written (so a CRM edit is seen),
    ``etag`` Google's version of it (so an edit made in Google is seen).
    """

    id = AutoField()
    org = ForeignKeyField(Organization, on_delete="CASCADE")
    user = ForeignKeyField(User, on_delete="CASCADE")
    contact_id = IntegerField()
    resource_name = CharField()
    etag = CharField()
    fingerprint = CharField()
    # The contact was edited in Google and the CRM changed too: Google's edit was kept, the CRM's is not written.
    conflict_at = DateTimeField(null=True)
    conflict_google = TextField(null=True)  # what Google holds, as the user saw it there (JSON)
    synced_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("user", "contact_id"), True),)
