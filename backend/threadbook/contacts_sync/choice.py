"""A user's choice to copy CRM contacts to Google Contacts: read it, change it, ask for a run now.

Turning it on needs a Google connection whose grant includes the contacts
scope (``needs_scope`` otherwise: the panel then asks Google for it through
the mailbox connection, ``connect_scopes``). No Google call is made here:
runs happen in the background (contacts_sync/run.py).
"""

import datetime
import json

from threadbook.crm.serializers import iso
from threadbook.db import write_transaction
from threadbook.google.access import connected_mailbox, contacts_granted
from threadbook.google.people import CONTACTS
from threadbook.jobs import queue
from threadbook.models import CONTACTS_FILTERS, Company, Contact, GoogleContactLink, GoogleContactsSync, User, utcnow

TASK = "sync_google_contacts"


class ContactsRefused(Exception):
    """A request about Google Contacts that cannot be done as asked; ``code`` and ``status`` are the answer's."""

    def __init__(self, code, message, status=400, retry_after=None, field=None):
        super().__init__(message)
        self.code, self.message, self.status, self.retry_after, self.field = code, message, status, retry_after, field


def setting_of(user):
    """The user's row (created off, "mine", on first use)."""
    setting = GoogleContactsSync.get_or_none(GoogleContactsSync.user == user.id)
    if setting is None:
        with write_transaction():
            GoogleContactsSync.insert(org=user.org_id, user=user.id).on_conflict_ignore().execute()
        setting = GoogleContactsSync.get(GoogleContactsSync.user == user.id)
    return setting


def connect_scopes():
    """The extra scope the mailbox connection asks for when a user allows Contacts."""
    return (CONTACTS,)


def access_state(user, org):
    """Why a run could not reach Google now ("not_connected", "needs_scope", "paused", "disabled"), or None."""
    mailbox = connected_mailbox(user)
    if mailbox is None:
        return "not_connected"
    if not contacts_granted(mailbox):
        return "needs_scope"
    if not org.sync_enabled:
        return "disabled"
    if user.sync_paused:
        return "paused"
    return None


def _checked_filter(user, kind, value):
    if kind not in CONTACTS_FILTERS:
        raise ContactsRefused("bad_request", f"'filter' must be one of {', '.join(CONTACTS_FILTERS)}.", field="filter")
    if kind in ("mine", "all"):
        return kind, None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
        raise ContactsRefused("bad_request", f"The '{kind}' filter needs 'filter_value': the id of the {kind}.", field="filter_value")
    model = Company if kind == "company" else User
    if not model.select().where((model.id == value) & (model.org == user.org_id)).exists():
        raise ContactsRefused("bad_request", f"There is no {kind} {value} in your organisation.", field="filter_value")
    return kind, value


def change(user, org, enabled=None, filter_kind=None, filter_value=None):
    """Switch copying on or off and/or change the filter; refuse ``needs_scope`` when turning on without the grant."""
    setting = setting_of(user)
    if filter_kind is not None:
        setting.filter_kind, setting.filter_value = _checked_filter(user, filter_kind, filter_value)
    elif filter_value is not None:
        raise ContactsRefused("bad_request", "'filter_value' goes with 'filter' (company or owner).", field="filter_value")
    turning_on = enabled is True and not setting.enabled
    refilter = filter_kind is not None and setting.enabled and enabled is not False
    if turning_on and access_state(user, org) in ("not_connected", "needs_scope"):
        raise ContactsRefused("needs_scope", "Threadbook needs your permission to write your Google Contacts: allow Contacts, then turn this on.", 403)
    if enabled is not None:
        setting.enabled = enabled
    with write_transaction():
        setting.save()
    if turning_on or refilter:
        queue.enqueue(TASK, user.id)  # copy (or remove) what the new choice selects now, not in 30 minutes
    return setting


def request_run(user, org):
    """Queue a run now ("Sync now"); refused when off, without access, or while Google asks to wait."""
    setting = setting_of(user)
    if not setting.enabled:
        raise ContactsRefused("not_enabled", "Copying to Google Contacts is off: turn it on first.", 409)
    blocked = access_state(user, org)
    if blocked in ("not_connected", "needs_scope"):
        raise ContactsRefused("needs_scope", "Threadbook needs your permission to write your Google Contacts: allow Contacts.", 403)
    if blocked:
        raise ContactsRefused(
            blocked,
            "Your Google sync is paused: resume it on the Account screen to copy contacts."
            if blocked == "paused"
            else "Google sync is turned off for your organisation.",
            409,
        )
    now = utcnow()
    if setting.retry_at and now < setting.retry_at:
        wait = max(1, int((setting.retry_at - now).total_seconds()))
        raise ContactsRefused("rate_limited", f"Google asked Threadbook to wait; contacts are copied again in {wait} s.", 429, retry_after=wait)
    queue.enqueue(TASK, user.id)
    return setting


def state_name(setting, blocked, now=None):
    """One word for what the user sees: off, needs_scope, not_connected, paused, disabled, waiting, error, pending, ok."""
    now = now or utcnow()
    if not setting.enabled:
        return "off"
    if blocked:
        return blocked
    if setting.retry_at and now < setting.retry_at:
        return "waiting"
    if setting.last_error and (setting.last_synced_at is None or setting.last_error_at >= setting.last_synced_at):
        return "error"
    return "ok" if setting.last_synced_at else "pending"


def present(user, org):
    """The JSON of ``GET /api/v1/me/google-contacts``."""
    setting = setting_of(user)
    blocked = access_state(user, org)
    links = list(GoogleContactLink.select().where(GoogleContactLink.user == user.id))
    conflicts = [link for link in links if link.conflict_at]
    names = _contact_names([link.contact_id for link in conflicts])
    now = utcnow()
    retry = int((setting.retry_at - now).total_seconds()) if setting.retry_at and now < setting.retry_at else None
    return {
        "enabled": setting.enabled,
        "filter": setting.filter_kind,
        "filter_value": setting.filter_value,
        "filters": list(CONTACTS_FILTERS),
        "granted": blocked not in ("not_connected", "needs_scope"),
        "state": state_name(setting, blocked, now),
        "group": setting.group_resource_name,
        "last_run_at": iso(setting.last_run_at),
        "last_synced_at": iso(setting.last_synced_at),
        "last_error": setting.last_error,
        "last_error_at": iso(setting.last_error_at),
        "retry_after": retry,
        "counts": {"copied": len(links), "conflicts": len(conflicts)},
        "conflicts": [_present_conflict(link, names) for link in conflicts],
    }


def _contact_names(ids):
    return {c.id: c.name for c in Contact.select(Contact.id, Contact.name).where(Contact.id.in_(ids))} if ids else {}


def _present_conflict(link, names):
    google = json.loads(link.conflict_google or "{}")
    return {
        "id": link.id,
        "contact_id": link.contact_id,
        "contact_name": names.get(link.contact_id, ""),
        "at": iso(link.conflict_at),
        "google": {"name": google.get("name") or "", "emails": google.get("emails") or [], "phones": google.get("phones") or []},
    }


def resolve(user, link_id, keep):
    """Settle a conflict: keep Google's version (the CRM's change is not written) or write the CRM's over it."""
    if keep not in ("google", "crm"):
        raise ContactsRefused("bad_request", "'keep' must be 'google' or 'crm'.", field="keep")
    with write_transaction():
        link = GoogleContactLink.get_or_none((GoogleContactLink.id == link_id) & (GoogleContactLink.user == user.id))
        if link is None or link.conflict_at is None:
            raise ContactsRefused("not_found", "There is no such conflict among your Google Contacts.", 404)
        google = json.loads(link.conflict_google or "{}")
        link.etag = google.get("etag") or link.etag
        # Keeping Google's: remember the CRM as written, so only a later CRM edit is copied again.
        # Keeping the CRM's: forget what was written, so the next run writes it against Google's current etag.
        link.fingerprint = google.get("crm_fingerprint", "") if keep == "google" else ""
        link.conflict_at = link.conflict_google = None
        link.synced_at = utcnow()
        link.save()
    queue.enqueue(TASK, user.id)
    return link


def backoff_until(seconds, now=None):
    return (now or utcnow()) + datetime.timedelta(seconds=seconds)
