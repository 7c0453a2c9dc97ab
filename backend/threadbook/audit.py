"""Write the audit log: sign-ins, refused sign-ins, administrators' changes, reassigned and deleted records.

``record`` writes one ``AuditLog`` row; call it inside the transaction of the
change it describes, so the change and its record commit together. Actions in
use (keep the list here current):

- ``signin`` (detail: method google|dev), ``signin.refused`` (reason, message)
- ``org.created``, ``user.joined`` (role, via: domain|invitation|personal),
  ``user.bound`` (a user added beforehand signed in for the first time)
- ``org.updated`` (changes: {field: [old, new]}), ``member.role_changed``
  (member_id, email, old, new), ``invitation.created``/``invitation.deleted``
  (email, role)
- ``contact.deleted`` (contact_id, name, emails), ``lead.deleted`` (lead_id, name, email),
  ``company.deleted`` (company_id, name, domains), ``deal.deleted`` (deal_id, name),
  ``note.deleted`` (note_id, author_id, contact_id, lead_id, thread_id)
- ``contact.reassigned``, ``lead.reassigned``, ``company.reassigned``,
  ``deal.reassigned`` (<kind>_id, from_owner_id, to_owner_id; None: nobody)
- ``meeting.cancelled`` (meeting_id, title)
- ``email.visibility_changed`` (email_id, owner_id, old, new), ``email.deal_changed``
  (email_id, owner_id, old, new), ``email.unlogged`` (email_id, owner_id, thread_id, source),
  ``thread.unlogged`` (thread_id, email_ids, message_ids), ``thread.privacy_changed``
- ``match.corrected`` (correction_id, address, kind, record_id),
  ``match.correction_removed`` (the same, and created_by_id)
- ``contacts.imported`` (file, via: cli|api, rows, imported, duplicates, invalid; not for a dry run)
- ``mailbox.labels_removed`` (mailbox_user_id, labels: names deleted from Gmail), ``mailbox.labels_kept``
  (mailbox_user_id, reason: why Gmail could not delete them), when a mailbox disconnects and the
  organisation chose ``remove_labels_on_disconnect``
"""

from flask import has_request_context, request

from threadbook.models import AuditLog


def record(action, org=None, user=None, ip=None, **detail):
    """Append an audit entry; ``ip`` defaults to the current request's address."""
    if ip is None and has_request_context():
        ip = request.remote_addr
    return AuditLog.create(org=org, user=user, action=action, detail=detail, ip=ip)
