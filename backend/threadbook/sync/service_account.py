"""The organisation's Workspace service account: domain-wide delegation that syncs every member's mailbox.

Only a Workspace organisation (one with a domain) may set one. The key is
checked twice before it is stored: that it is a usable service-account key,
and that Google lets it act for the administrator setting it (delegation is
set up in the Admin console). The key is stored encrypted and never returned.
"""

from flask import current_app

from threadbook import crypto
from threadbook.db import write_transaction
from threadbook.google import oauth
from threadbook.google.credentials import service_account_info
from threadbook.models import Mailbox, Organization
from threadbook.sync import connection, label_cleanup
from threadbook.sync.connection import MailboxRefused
from threadbook.sync.queueing import queue_sync_soon


def describe(org):
    """Return ``{"configured", "client_email", "client_id"}``: whether a key is set, never the key."""
    try:
        info = service_account_info(Organization.get_by_id(org.id))
    except crypto.DecryptionFailed:
        return {"configured": True, "client_email": None, "client_id": None}
    if info is None:
        return {"configured": False, "client_email": None, "client_id": None}
    return {"configured": True, "client_email": info["client_email"], "client_id": info["client_id"]}


def require_workspace(org):
    """Refuse (``invalid``) a service account for a personal organisation."""
    if not org.domain:
        raise MailboxRefused("invalid", "A service account needs a Google Workspace organisation; a personal organisation connects each mailbox instead.")


def set_key(org, actor, key):
    """Check and store the key (the JSON text or object), then queue a sync of every member's mailbox; return ``describe``."""
    require_workspace(org)
    try:
        info = oauth.validate_service_account_key(key)
    except oauth.InvalidServiceAccountKey as exc:
        raise MailboxRefused("invalid", str(exc), field="key") from exc
    _check_delegation(info, actor)
    with write_transaction():
        connection.set_service_account(org, info, actor)
    for mailbox in Mailbox.select(Mailbox.id).where((Mailbox.org == org.id) & (Mailbox.kind == "service_account") & (Mailbox.status == "active")):
        queue_sync_soon(mailbox.id)
    return describe(org)


def remove(org, actor):
    """Delete the key, if any; the organisation's service-account mailboxes stop (their mail stays, their labels as the org chose)."""
    if org.service_account_key:
        label_cleanup.remove_labels(Mailbox.select().where((Mailbox.org == org.id) & (Mailbox.kind == "service_account")), org, actor)
    with write_transaction():
        if org.service_account_key:
            connection.remove_service_account(org, actor)


def _check_delegation(info, actor):
    """Ask Google for a token acting as the administrator: it proves domain-wide delegation is set up."""
    try:
        oauth.check_delegation(info, actor.email, current_app.config["GOOGLE_TOKEN_URI"])
    except oauth.DelegationRefused as exc:
        raise MailboxRefused(
            "delegation_refused",
            f"Google refused the service account acting for {actor.email} ({exc.error}). In the Admin console, "
            f"allow client id {info['client_id']} domain-wide delegation with the scope {oauth.GMAIL_MODIFY}.",
            field="key",
        ) from exc
    except oauth.OAuthError:
        raise MailboxRefused("google_unavailable", "Google's token endpoint did not answer; try again.") from None
