"""Copying your CRM contacts to your Google Contacts: the switch, the filter, its state, "Sync now", conflicts.

``GET /api/v1/me/google-contacts`` reads the choice and its health;
``PUT`` changes it (turning it on without the contacts scope answers 403
``needs_scope``); ``POST …/connect/start`` starts Google's consent for the
contacts scope through the mailbox connection (finished by
``POST /api/v1/mailbox/connect/finish``); ``POST …/sync`` queues a run;
``POST …/conflicts/<id>`` settles a conflict. The rules are
contacts_sync/choice.py's; the OpenAPI description is api/google_contacts_doc.py.
"""

from flask import Blueprint, g

from threadbook.api.mailboxes import answer_refusal
from threadbook.api.params import boolean, choice, integer, json_body, string
from threadbook.contacts_sync import choice as contacts
from threadbook.errors import ApiError, error_response
from threadbook.models import CONTACTS_FILTERS
from threadbook.sync import connect_oauth
from threadbook.sync.connection import MailboxRefused

bp = Blueprint("google_contacts", __name__)
bp.register_error_handler(MailboxRefused, answer_refusal)


@bp.errorhandler(contacts.ContactsRefused)
def refused(exc):
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
    extra = {"scope": contacts.connect_scopes()[0]} if exc.code == "needs_scope" else {"field": exc.field} if exc.field else {}
    return error_response(exc.status, exc.code, exc.message, headers=headers, **extra)


@bp.get("/me/google-contacts")
def get_choice():
    return contacts.present(g.user, g.org)


@bp.put("/me/google-contacts")
def change_choice():
    body = json_body()
    enabled = boolean(body, "enabled")
    kind = choice(body, "filter", CONTACTS_FILTERS)
    value = integer(body, "filter_value", minimum=1)
    if enabled is None and kind is None and value is None:
        raise ApiError(400, "Send 'enabled' and/or 'filter'.", field="enabled")
    contacts.change(g.user, g.org, enabled=enabled, filter_kind=kind, filter_value=value)
    return contacts.present(g.user, g.org)


@bp.post("/me/google-contacts/connect/start")
def connect_start():
    connect_oauth.require_client()  # a 503 before any input is read
    body = json_body()
    return connect_oauth.start(g.user, g.org, string(body, "redirect_uri", max_length=500), extra_scopes=contacts.connect_scopes())


@bp.post("/me/google-contacts/sync")
def sync_now():
    contacts.request_run(g.user, g.org)
    return {**contacts.present(g.user, g.org), "queued": True}, 202


@bp.post("/me/google-contacts/conflicts/<int:link_id>")
def resolve_conflict(link_id):
    keep = choice(json_body(), "keep", ("google", "crm"), required=True)
    contacts.resolve(g.user, link_id, keep)
    return contacts.present(g.user, g.org)
