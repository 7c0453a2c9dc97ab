"""Serialise users, organisations and invitations for the API, never with secrets.

Left out on purpose: ``google_sub``, ``dropbox_token``, the organisation's
service-account key. ``dev`` is true for a user who signed in through the
development sign-in, so such a session cannot pass for a Google one.
"""

from threadbook.crm.serializers import iso
from threadbook.identity.organisations import deal_stages
from threadbook.identity.signin import PENDING_PREFIX


def user_json(user):
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "dev": bool(user.is_dev),
        "pending": user.google_sub.startswith(PENDING_PREFIX),
        "sync_paused": bool(user.sync_paused),
        "notifications_enabled": bool(user.notifications_enabled),
        "default_visibility": user.default_visibility,
        "created_at": iso(user.created_at),
        "last_login_at": iso(user.last_login_at),
    }


def org_json(org):
    return {
        "id": org.id,
        "name": org.name,
        "domain": org.domain,
        "is_personal": bool(org.is_personal),
        "invite_only": bool(org.invite_only),
        "store_bodies": bool(org.store_bodies),
        "default_visibility": org.default_visibility,
        "sync_enabled": bool(org.sync_enabled),
        "archive_sorted_threads": bool(org.archive_sorted_threads),
        "deal_stages": deal_stages(org),
        "remove_labels_on_disconnect": bool(org.remove_labels_on_disconnect),
        "blocklist_applies_to_manual_logs": bool(org.blocklist_applies_to_manual_logs),
        "no_copy_mode": bool(org.no_copy_mode),
        "no_copy_keep_subjects": bool(org.no_copy_keep_subjects),
        "created_at": iso(org.created_at),
    }


def invitation_json(invitation):
    return {
        "id": invitation.id,
        "email": invitation.email_normalized,
        "role": invitation.role,
        "invited_by": invitation.invited_by_id,
        "created_at": iso(invitation.created_at),
    }


MEMBER_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "email": {"type": "string"},
        "name": {"type": "string"},
        "role": {"type": "string", "enum": ["admin", "member"]},
        "dev": {"type": "boolean", "description": "Signed in through the development sign-in, not Google."},
        "pending": {"type": "boolean", "description": "Added beforehand; has not signed in yet."},
        "sync_paused": {"type": "boolean"},
        "default_visibility": {
            "type": ["string", "null"],
            "enum": ["private", "team_metadata", "team_full", None],
            "description": "Who sees this user's new mail when they choose nothing; null follows the organisation's default.",
        },
        "created_at": {"type": "string", "format": "date-time"},
        "last_login_at": {"type": ["string", "null"], "format": "date-time"},
    },
}
SYNC_SETTING_DOCS = {
    "remove_labels_on_disconnect": "When a mailbox disconnects, delete the Gmail labels Threadbook created in it (default false).",
    "blocklist_applies_to_manual_logs": "The blocklist also keeps mail out of 'Log thread': messages with a blocked participant "
    "are left out, with a warning (default true).",
}
NO_COPY_SETTING_DOCS = {
    "no_copy_mode": "Keep only what links and lists mail (ids, Message-ID, sender, recipients, date); people read the content live "
    "from their own Gmail. Switching it on deletes the stored bodies and snippets (confirm required); switching it off brings nothing back.",
    "no_copy_keep_subjects": "In no-copy mode, keep subjects too (default false: switching it off under no-copy mode deletes stored subjects).",
}
ORG_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "domain": {"type": ["string", "null"], "description": "Google Workspace domain; null for a personal organisation."},
        "is_personal": {"type": "boolean"},
        "invite_only": {"type": "boolean"},
        "store_bodies": {"type": "boolean"},
        "default_visibility": {"type": "string", "enum": ["private", "team_metadata", "team_full"]},
        "sync_enabled": {"type": "boolean"},
        "archive_sorted_threads": {"type": "boolean"},
        "deal_stages": {
            "type": "array",
            "items": {"type": "string"},
            "description": "The deal stages the panel offers, in order; qualification, proposal, negotiation until an administrator names others.",
        },
        "remove_labels_on_disconnect": {"type": "boolean", "description": SYNC_SETTING_DOCS["remove_labels_on_disconnect"]},
        "blocklist_applies_to_manual_logs": {"type": "boolean", "description": SYNC_SETTING_DOCS["blocklist_applies_to_manual_logs"]},
        **{name: {"type": "boolean", "description": text} for name, text in NO_COPY_SETTING_DOCS.items()},
        "created_at": {"type": "string", "format": "date-time"},
    },
}
INVITATION_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "email": {"type": "string"},
        "role": {"type": "string", "enum": ["admin", "member"]},
        "invited_by": {"type": ["integer", "null"]},
        "created_at": {"type": "string", "format": "date-time"},
    },
}
