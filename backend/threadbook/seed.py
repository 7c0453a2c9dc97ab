"""A demo organisation to try Threadbook with: people, companies, deals, notes."""

import datetime
from decimal import Decimal

from threadbook.crm import store as crm
from threadbook.db import write_transaction
from threadbook.models import Deal, Lead, Note, Organization, User

DEMO_DOMAIN = "threadbook.test"

COMPANIES = [
    ("Acme Widgets", "acme.example"),
    ("Globex", "globex.example"),
    ("Initech", "initech.example"),
]
CONTACTS = [
    ("Ada Lovelace", "ada@acme.example", "CTO", 0),
    ("Charles Babbage", "charles@acme.example", "Head of Engineering", 0),
    ("Grace Hopper", "grace@globex.example", "VP Operations", 1),
    ("Alan Turing", "alan@initech.example", "Director", 2),
]
LEADS = [
    ("Katherine Johnson", "katherine@nasa.example", "NASA"),
    ("Dorothy Vaughan", "dorothy.vaughan@gmail.com", None),
]
DEALS = [
    ("Acme platform rollout", 0, "negotiation", "open", "48000", 10),
    ("Globex pilot", 1, "proposal", "open", "12000", 40),
    ("Initech renewal", 2, "closed_won", "won", "30000", -20),
]


def seed_demo(admin_email="demo@threadbook.test", admin_name="Demo Admin"):
    """Create the demo organisation unless it exists; return it."""
    existing = Organization.get_or_none(Organization.domain == DEMO_DOMAIN)
    if existing:
        return existing
    today = datetime.date.today()
    with write_transaction():
        org = Organization.create(name="Threadbook Demo", domain=DEMO_DOMAIN)
        admin = User.create(
            org=org,
            google_sub=f"pending:{admin_email.lower()}",
            email=admin_email,
            email_normalized=admin_email.lower(),
            name=admin_name,
            role="admin",
        )
        companies = [crm.create_company(org.id, name, [domain], owner=admin) for name, domain in COMPANIES]
        contacts = []
        for name, email, title, company_index in CONTACTS:
            contacts.append(crm.create_contact(org.id, name, [email], title=title, company=companies[company_index], owner=admin))
        for name, email, company_name in LEADS:
            Lead.create(
                org=org,
                name=name,
                name_lower=name.lower(),
                email=email,
                email_normalized=crm.matching.normalize_address(email),
                company_name=company_name,
                owner=admin,
            )
        for name, company_index, stage, status, amount, days in DEALS:
            Deal.create(
                org=org,
                name=name,
                company=companies[company_index],
                contact=contacts[company_index if company_index == 0 else company_index + 1],
                owner=admin,
                stage=stage,
                status=status,
                amount=Decimal(amount),
                close_date=today + datetime.timedelta(days=days),
            )
        Note.create(org=org, author=admin, contact=contacts[0], body="Prefers email over calls. Budget approved for Q1.")
        Note.create(org=org, author=admin, contact=contacts[2], body="Pilot scoped to the Chicago office.")
    return org
