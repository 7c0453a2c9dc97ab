"""Copy one user's selected CRM contacts to their Google Contacts: create, update, remove; never overwrite Google silently.

A run, for a user who switched copying on:

1. checks, before any Google call, that it may run (connected, contacts
   granted, not paused, organisation's sync on, Google not asking to wait);
2. finds the "Threadbook" contact group by its stored resourceName (or by
   name, else creates it; a group the user deleted is created again and the
   copied contacts are put back in it);
3. creates each selected contact not yet copied (in the group), updates each
   whose CRM fields changed (``updateContact`` with the stored etag), and
   deletes the copies Threadbook created whose contact was deleted or left
   the filter (a copy the user edited in Google is let go instead: taken out
   of the group, kept in their contacts).

The last-writer rule: when the CRM changed *and* the contact changed in
Google since Threadbook wrote it, Google answers the etag mismatch; the
Google edit is kept and the link records a conflict the user sees (with what
Google holds), settled by them (contacts_sync/choice.py ``resolve``).

Each Google call is followed by its own small write, so a run stopped by a
rate limit (429, or 403 rateLimitExceeded) keeps what it did: it records
``retry_at`` from Google's Retry-After and the next run starts after it.
"""

import datetime
import json
import logging

from flask import current_app

from threadbook.contacts_sync import choice
from threadbook.contacts_sync.selection import fingerprint, google_summary, people_bodies, selected_contacts
from threadbook.db import write_transaction
from threadbook.google.access import NoGoogleAccess, people_for
from threadbook.google.errors import Conflict, GoogleApiError, NotFound, RateLimited
from threadbook.google.people import EtagMismatch
from threadbook.models import GoogleContactLink, GoogleContactsSync, Organization, User, utcnow

log = logging.getLogger(__name__)
GROUP_NAME = "Threadbook"
MEMBERS_PER_CALL = 1000  # contactGroups.members.modify's most
LEASE = datetime.timedelta(minutes=10)  # longer than a run of thousands of contacts; a crashed run frees the user after it


class Report:
    """What a run did, for the task's log and the tests."""

    def __init__(self, outcome="ok"):
        self.outcome = outcome
        self.created = self.updated = self.deleted = self.released = self.conflicts = self.unchanged = 0

    def as_dict(self):
        return dict(vars(self))


def sync_user(user_id, config=None):
    """Run one user's copy; return a Report (``outcome`` says why nothing ran, when nothing did)."""
    setting = GoogleContactsSync.get_or_none(GoogleContactsSync.user == user_id)
    if setting is None or not setting.enabled:
        return Report("off")
    user = User.get_by_id(user_id)
    org = Organization.get_by_id(user.org_id)
    blocked = choice.access_state(user, org)
    if blocked:
        return Report(blocked)
    now = utcnow()
    if setting.retry_at and now < setting.retry_at:
        return Report("waiting")
    try:
        people = people_for(user, org, config or current_app.config)
    except NoGoogleAccess as exc:
        _failed(setting, str(exc))
        return Report("no_access")
    if not _claim(setting, now):
        return Report("running")  # another run (Sync now beside the schedule) is copying this user's contacts
    _save(setting, last_run_at=now)
    report = Report()
    try:
        return _run(people, user, setting, report)
    finally:
        _save(setting, running_until=None)


def _claim(setting, now):
    """Hold the user for this run, unless another run holds them; two runs at once would create contacts twice."""
    free = GoogleContactsSync.running_until.is_null() | (GoogleContactsSync.running_until < now)
    with write_transaction():
        claimed = GoogleContactsSync.update(running_until=now + LEASE).where((GoogleContactsSync.id == setting.id) & free).execute()
    return claimed == 1


def _run(people, user, setting, report):
    try:
        group = _ensure_group(people, setting)
        _copy(people, user, setting, group, report)
    except RateLimited as exc:
        wait = exc.retry_after or 60
        _failed(setting, f"Google Contacts asked Threadbook to slow down; copying resumes in {wait} s.", retry_at=choice.backoff_until(wait))
        report.outcome = "rate_limited"
        return report
    except GoogleApiError as exc:
        _failed(setting, f"Google Contacts refused ({exc.status or 'unreachable'}): {exc.message}")
        report.outcome = "error"
        return report
    _save(setting, last_synced_at=utcnow(), retry_at=None)
    log.info("google contacts of user %s: %s", user.id, report.as_dict())
    return report


def _save(setting, **fields):
    for name, value in fields.items():
        setattr(setting, name, value)
    with write_transaction():
        GoogleContactsSync.update(**fields).where(GoogleContactsSync.id == setting.id).execute()


def _failed(setting, message, retry_at=None):
    _save(setting, last_error=message, last_error_at=utcnow(), retry_at=retry_at)


def _ensure_group(people, setting):
    """Return the resourceName of the user's "Threadbook" group, creating it (again) when missing."""
    if setting.group_resource_name:
        try:
            people.get_group(setting.group_resource_name)
            return setting.group_resource_name
        except NotFound:
            pass
    found = next((g for g in people.list_groups() if g.get("name") == GROUP_NAME and g.get("groupType") == "USER_CONTACT_GROUP"), None)
    if found is None:
        try:
            found = people.create_group(GROUP_NAME)
        except Conflict:  # created meanwhile (another run): find it again
            found = next(g for g in people.list_groups() if g.get("name") == GROUP_NAME)
    group = found["resourceName"]
    had_group = setting.group_resource_name is not None
    _save(setting, group_resource_name=group)
    if had_group:
        _put_back_in_group(people, setting.user_id, group)
    return group


def _put_back_in_group(people, user_id, group):
    names = [link.resource_name for link in GoogleContactLink.select().where(GoogleContactLink.user == user_id)]
    for start in range(0, len(names), MEMBERS_PER_CALL):
        people.modify_members(group, add=names[start : start + MEMBERS_PER_CALL])


def _copy(people, user, setting, group, report):
    contacts = selected_contacts(user, setting)
    bodies = people_bodies(contacts)
    links = {link.contact_id: link for link in GoogleContactLink.select().where(GoogleContactLink.user == user.id)}
    for contact_id, person in bodies.items():
        link = links.get(contact_id)
        if link is None:
            _create(people, user, contact_id, person, group)
            report.created += 1
        elif link.conflict_at is not None or link.fingerprint == fingerprint(person):
            report.unchanged += 1
        else:
            _update(people, link, person, report)
    for contact_id, link in links.items():
        if contact_id not in bodies:
            _remove(people, link, group, report)


def _remove(people, link, group, report):
    """Delete Threadbook's copy; one the user edited in Google is theirs now: let go (out of the group), never deleted."""
    try:
        current = people.get_person(link.resource_name)
        if link.conflict_at is None and current.get("etag") == link.etag:
            people.delete_contact(link.resource_name)
            report.deleted += 1
        else:
            people.modify_members(group, remove=[link.resource_name])
            report.released += 1
    except NotFound:
        pass  # already deleted in Google
    with write_transaction():
        link.delete_instance()


def _create(people, user, contact_id, person, group):
    body = dict(person, memberships=[{"contactGroupMembership": {"contactGroupResourceName": group}}])
    created = people.create_contact(body)
    with write_transaction():
        GoogleContactLink.create(
            org=user.org_id, user=user.id, contact_id=contact_id, resource_name=created["resourceName"], etag=created["etag"], fingerprint=fingerprint(person)
        )


def _update(people, link, person, report):
    try:
        updated = people.update_contact(link.resource_name, person, link.etag)
    except EtagMismatch:
        current = people.get_person(link.resource_name)
        google = dict(google_summary(current), etag=current.get("etag"), crm_fingerprint=fingerprint(person))
        link.conflict_at, link.conflict_google = utcnow(), json.dumps(google)
        with write_transaction():
            link.save()
        report.conflicts += 1
        return
    except NotFound:
        # Deleted in Google while still selected in the CRM: forget it, so the next run copies it afresh.
        with write_transaction():
            link.delete_instance()
        report.deleted += 1
        return
    link.etag, link.fingerprint, link.synced_at = updated["etag"], fingerprint(person), utcnow()
    with write_transaction():
        link.save()
    report.updated += 1
