"""CRM records: companies and their domains, contacts and their addresses, leads, deals and notes.

A contact's addresses are stored *normalised* (see matching.py), which is how
a contact created later sees mail logged before it existed: a join on the
address, never a copy.
"""

from peewee import AutoField, BooleanField, CharField, DateField, DateTimeField, DecimalField, ForeignKeyField, TextField

from threadbook.models.base import BaseModel, utcnow
from threadbook.models.identity import Organization, User

DEAL_STATUSES = ("open", "won", "lost")
LEAD_STATUSES = ("new", "contacted", "qualified", "converted", "disqualified")


class Company(BaseModel):
    id = AutoField()
    org = ForeignKeyField(Organization, backref="companies", on_delete="CASCADE")
    name = CharField()
    name_lower = CharField(index=True)
    industry = CharField(null=True)
    owner = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)


class CompanyDomain(BaseModel):
    """A registrable domain (acme.co.uk) that identifies a company."""

    id = AutoField()
    org = ForeignKeyField(Organization, on_delete="CASCADE")
    company = ForeignKeyField(Company, backref="domains", on_delete="CASCADE")
    domain = CharField()

    class Meta:
        indexes = ((("org", "domain"), True),)


class Contact(BaseModel):
    id = AutoField()
    org = ForeignKeyField(Organization, backref="contacts", on_delete="CASCADE")
    name = CharField(default="")
    name_lower = CharField(default="", index=True)
    title = CharField(null=True)
    phone = CharField(null=True)
    company = ForeignKeyField(Company, null=True, backref="contacts", on_delete="SET NULL")
    owner = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        # "Did a contact change since?" (contacts_sync/due.py) without reading the organisation's contacts.
        indexes = ((("org", "updated_at"), False),)


class ContactAddress(BaseModel):
    """One of a contact's addresses; an address belongs to one contact per org."""

    id = AutoField()
    org = ForeignKeyField(Organization, on_delete="CASCADE")
    contact = ForeignKeyField(Contact, backref="addresses", on_delete="CASCADE")
    email = CharField()  # as written, for display
    email_normalized = CharField()
    is_primary = BooleanField(default=False)

    class Meta:
        indexes = ((("org", "email_normalized"), True),)


class Lead(BaseModel):
    id = AutoField()
    org = ForeignKeyField(Organization, backref="leads", on_delete="CASCADE")
    name = CharField(default="")
    name_lower = CharField(default="", index=True)
    email = CharField()
    email_normalized = CharField()
    company_name = CharField(null=True)
    title = CharField(null=True)
    status = CharField(default="new")
    owner = ForeignKeyField(User, null=True, on_delete="SET NULL")
    converted_contact = ForeignKeyField(Contact, null=True, on_delete="SET NULL")
    converted_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("org", "email_normalized"), True),)


class Deal(BaseModel):
    id = AutoField()
    org = ForeignKeyField(Organization, backref="deals", on_delete="CASCADE")
    name = CharField()
    company = ForeignKeyField(Company, null=True, backref="deals", on_delete="SET NULL")
    contact = ForeignKeyField(Contact, null=True, backref="deals", on_delete="SET NULL")
    owner = ForeignKeyField(User, null=True, on_delete="SET NULL")
    stage = CharField(default="qualification")
    status = CharField(default="open", index=True)
    amount = DecimalField(max_digits=14, decimal_places=2, null=True)
    currency = CharField(default="USD")
    close_date = DateField(null=True)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)


class Note(BaseModel):
    id = AutoField()
    org = ForeignKeyField(Organization, backref="notes", on_delete="CASCADE")
    author = ForeignKeyField(User, null=True, on_delete="SET NULL")
    body = TextField()
    contact = ForeignKeyField(Contact, null=True, backref="notes", on_delete="CASCADE")
    lead = ForeignKeyField(Lead, null=True, backref="notes", on_delete="CASCADE")
    gmail_thread_id = CharField(null=True)
    created_at = DateTimeField(default=utcnow, index=True)

    class Meta:
        indexes = ((("org", "gmail_thread_id"), False),)


CORRECTION_KINDS = ("contact", "lead", "company")


class MatchCorrection(BaseModel):
    """ "This address is not that record", said once for the whole organisation (crm/corrections.py).

    Exactly one of contact, lead and company is set, the one ``kind`` names;
    the correction goes with its record.
    """

    id = AutoField()
    org = ForeignKeyField(Organization, on_delete="CASCADE")
    address = CharField()  # as written, for display
    address_lower = CharField()
    address_normalized = CharField()
    kind = CharField()
    contact = ForeignKeyField(Contact, null=True, on_delete="CASCADE")
    lead = ForeignKeyField(Lead, null=True, on_delete="CASCADE")
    company = ForeignKeyField(Company, null=True, on_delete="CASCADE")
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("org", "address_normalized"), False), (("org", "address_lower"), False))
