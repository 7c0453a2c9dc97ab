"""The one translation of the crm package's refusals into answers: NotAllowed is a 403, RecordConflict a 409 with ``existing``.

The /api/v1 parent blueprint registers them (api/__init__.py), so every view
lets the services' exceptions propagate and the answer keeps the one error shape.
"""

from threadbook.crm.errors import NotAllowed, RecordConflict
from threadbook.errors import CODES, error_response


def register(bp):
    """Answer the crm refusals raised in ``bp``'s views (and its children's)."""
    bp.register_error_handler(NotAllowed, _forbidden)
    bp.register_error_handler(RecordConflict, _conflict)


def _forbidden(refusal):
    return error_response(403, CODES[403], refusal.message)


def _conflict(refusal):
    return error_response(409, CODES[409], refusal.message, existing=refusal.existing)
