"""Company writes for the API: create, update (domains replace the list), delete. A registrable domain belongs to one company.

Each function runs in its own write transaction; a domain another company of
the organisation has is refused with RecordConflict.
"""

from peewee import IntegrityError

from threadbook import audit
from threadbook.crm import store
from threadbook.crm.errors import RecordConflict
from threadbook.crm.ownership import change_owner, delete_in_org
from threadbook.crm.records import get_in_org, present_company
from threadbook.db import write_transaction
from threadbook.models import Company, CompanyDomain, utcnow

_TAKEN_MEANWHILE = "One of these domains was taken meanwhile; reload and try again."


def create(user, fields, domains):
    """Create a company of the user's organisation with its registrable domains; return it.

    ``fields`` has name and may have industry and owner (a user id; the creator by default).
    """
    try:
        with write_transaction():
            _refuse_taken(user.org_id, domains)
            return store.create_company(user.org_id, fields["name"], domains, owner=fields.get("owner", user.id), industry=fields.get("industry"))
    except IntegrityError as err:
        raise RecordConflict(_TAKEN_MEANWHILE) from err


def update(user, company_id, fields, domains=None):
    """Change the given fields (name, industry, owner) and, when given, replace the domains; return the company."""
    fields = dict(fields)
    if "name" in fields:
        fields["name_lower"] = fields["name"].lower()
    try:
        with write_transaction():
            company = get_in_org(Company, company_id, user.org_id, "company", lock=True)
            change_owner(user, company, fields)
            if domains is not None:
                _refuse_taken(user.org_id, domains, own_company_id=company.id)
                CompanyDomain.delete().where(CompanyDomain.company == company.id).execute()
                for domain in domains:
                    CompanyDomain.create(org=user.org_id, company=company.id, domain=domain)
            if fields or domains is not None:
                fields["updated_at"] = utcnow()
                Company.update(**fields).where(Company.id == company.id).execute()
    except IntegrityError as err:
        raise RecordConflict(_TAKEN_MEANWHILE) from err
    return Company.get_by_id(company_id)


def delete(user, company_id):
    """Delete a company of the user's organisation, if it is theirs to delete (ownership.py)."""
    delete_in_org(user, Company, company_id, _delete_company)


def _refuse_taken(org_id, domains, own_company_id=None):
    """Raise RecordConflict, naming the company, when another company of the organisation has one of ``domains``."""
    if not domains:
        return
    taken = CompanyDomain.select(CompanyDomain.domain, CompanyDomain.company).where((CompanyDomain.org == org_id) & CompanyDomain.domain.in_(domains)).first()
    if taken is not None and taken.company_id != own_company_id:
        existing = Company.get_by_id(taken.company_id)
        raise RecordConflict(
            f"{taken.domain} already belongs to the company '{existing.name}'.",
            existing={"kind": "company", "record": present_company(existing)},
        )


def _delete_company(company, by_user):
    """Delete a company and its domains; its contacts and deals stay, without a company. Record who did it."""
    domains = [d.domain for d in CompanyDomain.select(CompanyDomain.domain).where(CompanyDomain.company == company.id)]
    company.delete_instance()  # domains cascade; contacts and deals are set null
    audit.record("company.deleted", org=company.org_id, user=by_user, company_id=company.id, name=company.name, domains=domains)
