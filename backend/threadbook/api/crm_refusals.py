"""The one translation of the crm package's refusals into answers: NotAllowed is a 403, RecordConflict a 409 with ``existing``.

Each CRM blueprint calls ``answer_crm_refusals(bp)``, so its views let the
services' exceptions propagate and the answer keeps the one error shape.
"""

from threadbook.crm.errors import NotAllowed, RecordConflict
from threadbook.errors import CODES, error_response


def answer_crm_refusals(bp):
    """Answer the crm refusals raised in ``bp``'s views."""
    bp.register_error_handler(NotAllowed, _forbidden)
    bp.register_error_handler(RecordConflict, _conflict)


def _forbidden(refusal):
    return error_response(403, CODES[403], refusal.message)


def _conflict(refusal):
    return error_response(409, CODES[409], refusal.message, existing=refusal.existing)
