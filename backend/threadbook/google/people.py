"""Call the People API (v1) for one user: their Google Contacts and contact groups.

A thin wrapper over google-api-python-client:
``build("people", "v1", static_discovery=True, client_options={"api_endpoint": GOOGLE_PEOPLE_API_ROOT})``.
The People API has its own host (``https://people.googleapis.com/``) and its
method paths carry the version (``v1/people:createContact``), so the endpoint
handed over is the root itself.

Writes need the ``contacts`` scope. ``updateContact`` must carry the
person's ``etag``; when the contact changed in Google since that etag was
read, Google answers 400 ``FAILED_PRECONDITION`` ("Request person.etag is
different than the current person.etag…"): this client raises
``EtagMismatch`` for it, so callers never overwrite an edit made in Google
without knowing.
"""

from googleapiclient.discovery import build

from threadbook.google.client import DEFAULT_TIMEOUT, GoogleClient
from threadbook.google.errors import PreconditionFailed

CONTACTS = "https://www.googleapis.com/auth/contacts"
# The person fields Threadbook writes, and so reads back and updates (updatePersonFields).
PERSON_FIELDS = "names,emailAddresses,phoneNumbers,organizations,memberships"
UPDATE_FIELDS = "names,emailAddresses,phoneNumbers,organizations"
GROUP_PAGE_SIZE = 1000  # contactGroups.list's most
GROUP_PAGES = 10


class EtagMismatch(PreconditionFailed):
    """The Google contact changed since the etag Threadbook stored: someone edited it in Google."""


def _is_etag_mismatch(error):
    return error.status == 400 and (error.reason or "").lower().replace("_", "") == "failedprecondition"


class People(GoogleClient):
    """One user's Google Contacts; ``api_seconds`` adds up the time spent waiting on Google."""

    SERVICE = "Google Contacts"

    def __init__(self, credentials, api_root, timeout=DEFAULT_TIMEOUT):
        super().__init__(credentials, timeout)
        self._service = build(
            "people",
            "v1",
            http=self._http,
            static_discovery=True,
            cache_discovery=False,
            client_options={"api_endpoint": api_root.rstrip("/") + "/"},
        )

    def translate(self, error):
        translated = super().translate(error)
        if _is_etag_mismatch(translated):
            return EtagMismatch(translated.message, translated.status, translated.reason).about(service=self.SERVICE)
        return translated

    # -- contact groups

    def list_groups(self):
        """contactGroups.list, every page: the user's groups (``resourceName``, ``name``, ``groupType``…)."""
        groups, page_token = [], None
        for _ in range(GROUP_PAGES):
            kwargs = {"pageSize": GROUP_PAGE_SIZE}
            if page_token:
                kwargs["pageToken"] = page_token
            page = self._execute(self._service.contactGroups().list(**kwargs))
            groups.extend(page.get("contactGroups") or [])
            page_token = page.get("nextPageToken")
            if not page_token:
                break
        return groups

    def get_group(self, resource_name):
        """contactGroups.get (NotFound when the user deleted it)."""
        return self._execute(self._service.contactGroups().get(resourceName=resource_name, maxMembers=0))

    def create_group(self, name):
        """contactGroups.create; Google answers 409 (Conflict) when a group of that name exists."""
        return self._execute(self._service.contactGroups().create(body={"contactGroup": {"name": name}}))

    def modify_members(self, group, add=(), remove=()):
        """contactGroups.members.modify: put contacts in or take them out of a group."""
        body = {"resourceNamesToAdd": list(add), "resourceNamesToRemove": list(remove)}
        return self._execute(self._service.contactGroups().members().modify(resourceName=group, body=body))

    # -- contacts

    def get_person(self, resource_name):
        """people.get with the fields Threadbook writes (its ``etag`` included)."""
        return self._execute(self._service.people().get(resourceName=resource_name, personFields=PERSON_FIELDS))

    def create_contact(self, person):
        """people.createContact; the answer carries ``resourceName`` and ``etag``."""
        return self._execute(self._service.people().createContact(body=person, personFields=PERSON_FIELDS))

    def update_contact(self, resource_name, person, etag):
        """people.updateContact of Threadbook's fields, only if the contact still has ``etag`` (else EtagMismatch)."""
        body = dict(person, etag=etag)
        request = self._service.people().updateContact(resourceName=resource_name, updatePersonFields=UPDATE_FIELDS, personFields=PERSON_FIELDS, body=body)
        return self._execute(request)

    def delete_contact(self, resource_name):
        """people.deleteContact (NotFound when it is already gone)."""
        return self._execute(self._service.people().deleteContact(resourceName=resource_name))
