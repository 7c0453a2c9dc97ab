"""Gmail message resources in Google's wire shape, for the fake Gmail.

``_payload_of`` builds a payload (format=full) from a parsed MIME message, as
users.messages.send stores one; ``_header`` and ``_first_text`` read one back;
``_thread_subject`` is the subject Gmail compares when it threads a sent
message; ``_render`` answers a stored resource in one of ``FORMATS`` as
messages.get and threads.get do. ``_b64`` is Gmail's unpadded URL-safe
base64 (body data, raw messages, page tokens).
"""

import base64
import re

FORMATS = ("minimal", "metadata", "full", "raw")


def _b64(text):
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _header(message, name):
    return next((h["value"] for h in message["payload"]["headers"] if h["name"].lower() == name.lower()), None)


def _render(message, fmt, metadata_headers):
    """Return a message resource in the requested format, as Gmail does."""
    base = {k: message[k] for k in ("id", "threadId", "labelIds", "snippet", "sizeEstimate", "historyId", "internalDate")}
    if fmt == "minimal":
        return base
    payload = message["payload"]
    if fmt == "metadata":
        wanted = {h.lower() for h in metadata_headers}
        headers = [h for h in payload["headers"] if not wanted or h["name"].lower() in wanted]
        return {**base, "payload": {"mimeType": payload["mimeType"], "headers": headers}}
    if fmt == "raw":
        lines = [f"{h['name']}: {h['value']}" for h in payload["headers"]]
        text = "\r\n".join(lines) + "\r\n\r\n" + message["snippet"]
        return {**base, "raw": _b64(text)}
    return {**base, "payload": payload}


def _thread_subject(subject):
    """A subject without its Re:/Fwd: prefixes, as Gmail compares subjects for threading."""
    return re.sub(r"^\s*((re|fwd?|aw)\s*:\s*)+", "", subject, flags=re.IGNORECASE).strip().lower()


def _payload_of(part, gid, part_id=""):
    """Gmail's payload (format=full) for a parsed MIME part: headers, body data or attachment id, parts."""
    headers = [{"name": name, "value": str(value)} for name, value in part.items()]
    mime = part.get_content_type()
    filename = part.get_filename() or ""
    if part.is_multipart():
        children = [_payload_of(child, gid, f"{part_id}.{n}" if part_id else str(n)) for n, child in enumerate(part.get_payload())]
        return {"partId": part_id, "mimeType": mime, "filename": filename, "headers": headers, "body": {"size": 0}, "parts": children}
    data = part.get_payload(decode=True) or b""
    body = {"size": len(data)}
    if filename:
        body["attachmentId"] = f"ANGj{gid}{part_id.replace('.', '')}"
    else:
        body["data"] = base64.urlsafe_b64encode(data).decode().rstrip("=")
    return {"partId": part_id, "mimeType": mime, "filename": filename, "headers": headers, "body": body}


def _first_text(payload):
    if payload["mimeType"] == "text/plain" and "data" in payload["body"]:
        data = payload["body"]["data"]
        return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)).decode("utf-8", "replace")
    for child in payload.get("parts") or []:
        text = _first_text(child)
        if text:
            return text
    return ""
