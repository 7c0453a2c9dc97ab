"""What the extension needs from its backend, without signing in: ``GET /api/v1/config``.

The extension is configured with the backend URL only; everything about
Google (the OAuth client id) is set once on the backend and read from here.
"""

from flask import Blueprint, current_app

from threadbook.api import openapi as doc
from threadbook.api import public
from threadbook.api.google_answers import google_configured
from threadbook.api.web_security import dev_signin_refusal

bp = Blueprint("client_config", __name__)


@bp.get("/config")
@public
def client_config():
    config = current_app.config
    client_ids = config.get("GOOGLE_CLIENT_IDS") or []
    return {
        "google_client_id": client_ids[0] if client_ids else None,
        # False: Google isn't set up here (development sign-in only): no Google sign-in, logging, sending or mailbox connect.
        "google_configured": google_configured(config),
        # True only when this caller could use it: enabled, loopback server, loopback caller and Host.
        "dev_signin": dev_signin_refusal(config) is None,
        "session_ttl_seconds": config["SESSION_TTL_SECONDS"],
        # The compose form shows it, and refuses more, before anything is uploaded.
        "send_max_attachment_bytes": config["SEND_MAX_ATTACHMENT_BYTES"],
        # The admin page's import shows it, and refuses a larger file before uploading it.
        "import_max_bytes": config["IMPORT_MAX_BYTES"],
        "api_version": 1,
    }


OPENAPI_PATHS = {
    "/api/v1/config": {
        "get": {
            "summary": "Public settings the extension needs (no session required)",
            "tags": ["meta"],
            "responses": {
                "200": doc.json_response(
                    "Settings.",
                    {
                        "type": "object",
                        "required": ["google_client_id", "google_configured", "dev_signin"],
                        "properties": {
                            "google_client_id": {"type": ["string", "null"], "description": "Null when sign-in is not configured."},
                            "google_configured": {
                                "type": "boolean",
                                "description": "False when Google isn't set up on this backend (no GOOGLE_CLIENT_ID): Google sign-in, logging "
                                "threads, sending and connecting Gmail answer 503 google_not_configured; only development sign-in works.",
                            },
                            "dev_signin": {"type": "boolean", "description": "Development sign-in is available to this caller."},
                            "session_ttl_seconds": {"type": "integer"},
                            "send_max_attachment_bytes": {"type": "integer", "description": "The most a sent message's attachments may add up to."},
                            "import_max_bytes": {
                                "type": "integer",
                                "description": "The largest contact list POST /api/v1/org/imports takes (THREADBOOK_IMPORT_MAX_BYTES).",
                            },
                            "api_version": {"type": "integer"},
                        },
                    },
                )
            },
        }
    }
}
