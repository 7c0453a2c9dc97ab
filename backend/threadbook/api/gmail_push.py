"""Gmail push through Pub/Sub: ``POST /api/v1/gmail/push`` (the push subscription's endpoint).

Public to the session check: Pub/Sub has no session, it signs each push with
an OIDC token instead, which sync/push.py verifies. A 2xx acknowledges the
push; anything else makes Pub/Sub deliver it again later, so a push is
refused (4xx) only when it can never be right, and answered 503 when the
backend cannot take it now.
"""

from flask import Blueprint, current_app, request

from threadbook.api import openapi as doc
from threadbook.api import public
from threadbook.api.params import json_body
from threadbook.errors import error_response
from threadbook.sync import push

bp = Blueprint("gmail_push", __name__)


@bp.errorhandler(push.PushRefused)
def _refused(exc):
    return error_response(exc.status, exc.code, exc.message)


@bp.post("/gmail/push")
@public
def receive_push():
    push.verify_push(request.headers.get("Authorization"), current_app.config)
    address, history_id = push.parse_notification(json_body())
    push.handle_push(address, history_id)
    return "", 204


OPENAPI_PATHS = {
    "/api/v1/gmail/push": {
        "post": {
            "summary": "Gmail push notification from the Pub/Sub push subscription (not for clients)",
            "description": (
                "Pub/Sub POSTs Gmail's {emailAddress, historyId} here, base64 in message.data, with an OIDC token "
                "(Authorization: Bearer) for GMAIL_PUSH_AUDIENCE issued to GMAIL_PUSH_SERVICE_ACCOUNT. "
                "204 acknowledges it (a sync is queued when the mailbox has news); 404 when push is not set up."
            ),
            "tags": ["sync"],
            "security": [],
            # Pub/Sub may add fields to its envelope: take them all.
            "requestBody": doc.json_body(
                {
                    "type": "object",
                    "required": ["message"],
                    "additionalProperties": True,
                    "properties": {
                        "message": {
                            "type": "object",
                            "additionalProperties": True,
                            "properties": {"data": {"type": "string", "description": "base64 of Gmail's {emailAddress, historyId}"}},
                        },
                        "subscription": {"type": "string"},
                    },
                }
            ),
            "responses": {"204": {"description": "Acknowledged."}, **doc.errors(400, 401, 403, 404, 503)},
        }
    }
}
