"""What the CRM services refuse: domain exceptions with a message for a person, which the API answers.

``NotAllowed`` is a change the record rules of identity/access.py refuse
(answered 403); ``RecordConflict`` a write that collides with a record that
exists (answered 409, with ``existing``: ``{"kind", "record"}`` or None).
A record missing from the organisation is answered 404 by
``records.get_in_org`` itself, as every caller of it already expects.
"""


class CrmRefusal(Exception):
    """A CRM write refused with a message that says why and what to do."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class NotAllowed(CrmRefusal):
    """The caller may not make this change to the record (its owner or an administrator may)."""


class RecordConflict(CrmRefusal):
    """The write collides with an existing record; ``existing`` presents it as JSON, when there is one to show."""

    def __init__(self, message, existing=None):
        super().__init__(message)
        self.existing = existing
