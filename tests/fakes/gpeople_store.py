"""The fake People API's in-memory state: each account's contacts and contact groups, grants, injected failures.

A test plays the user in Google Contacts through ``PeopleState``'s methods
(``edit``, ``delete``, ``delete_group``) and reads what Threadbook wrote with
``contacts_of`` and ``group_named``. Every write bumps the person's (or
group's) ``etag``, as Google does, so a stale etag is noticed.
"""

import copy
import itertools
import threading

from .google_common import Grant, InjectedFailures, scope

# Google's own groups, present in every account (Threadbook must not take them for its own).
SYSTEM_GROUPS = (("myContacts", "My Contacts"), ("starred", "Starred"))


class Account:
    def __init__(self, address):
        self.address = address
        self.people = {}  # resourceName -> person
        self.groups = {f"contactGroups/{gid}": {"name": name, "groupType": "SYSTEM_CONTACT_GROUP", "members": []} for gid, name in SYSTEM_GROUPS}


class PeopleState(InjectedFailures):
    def __init__(self):
        self.lock = threading.RLock()
        self.accounts = {}
        self.grants = {}
        self.failures = []
        self.account_calls = []  # (account of the token or None, method, path)
        self._numbers = itertools.count(1)
        self._etags = itertools.count(1)

    def reset(self):
        self.__init__()

    def account(self, address):
        with self.lock:
            return self.accounts.setdefault(address.lower(), Account(address.lower()))

    def grant(self, token_value, address, scopes=("contacts",)):
        """Let ``token_value`` act for ``address`` with ``scopes`` (short or full names)."""
        self.account(address)
        self.grants[token_value] = Grant(address.lower(), frozenset(scope(s) for s in scopes))

    def expire(self, token_value):
        self.grants[token_value].expired = True

    def calls_for(self, account):
        return [(m, path) for who, m, path in self.account_calls if who == (account or "").lower()]

    def new_id(self, prefix):
        return f"{prefix}{next(self._numbers):x}{next(self._numbers) * 7919:x}"

    def new_etag(self):
        return f"%EgUBAgMuPRoEAQIFByIM{next(self._etags):08d}"

    # -- what a test reads and does "in Google"

    def contacts_of(self, address):
        """Every contact of the account, as Google holds them."""
        return copy.deepcopy(list(self.account(address).people.values()))

    def group_named(self, address, name):
        """The account's user group called ``name`` (with its resourceName and member list), or None."""
        for resource_name, group in self.account(address).groups.items():
            if group["name"] == name and group["groupType"] == "USER_CONTACT_GROUP":
                return dict(copy.deepcopy(group), resourceName=resource_name)
        return None

    def members_named(self, address, group_name):
        """The people of a group, by their first email address."""
        group = self.group_named(address, group_name)
        people = self.account(address).people
        return sorted((people[r].get("emailAddresses") or [{}])[0].get("value", "") for r in (group or {}).get("members", []) if r in people)

    def find(self, address, email):
        """The account's contact with ``email``, or None."""
        for person in self.account(address).people.values():
            if any(e.get("value") == email for e in person.get("emailAddresses") or []):
                return copy.deepcopy(person)
        return None

    def edit(self, address, resource_name, **fields):
        """The user edits a contact in Google: ``fields`` replace the person's, and its etag changes."""
        with self.lock:
            person = self.account(address).people[resource_name]
            person.update(copy.deepcopy(fields))
            self.touch(person)

    def delete_group(self, address, resource_name):
        with self.lock:
            self.account(address).groups.pop(resource_name)

    def touch(self, person):
        person["etag"] = self.new_etag()
        for source in person.get("metadata", {}).get("sources", []):
            source["etag"] = person["etag"]
