"""Multipart bodies the fake Gmail reads: batch requests and media uploads.

``_multipart_parts`` splits a ``multipart/mixed`` batch body into its parts,
``_split_http`` one ``application/http`` part into request line, headers and
body, and ``_part_query`` parses a part's query string. ``_related_parts``
splits a ``multipart/related`` upload (users.messages.send on the /upload
path) into its JSON metadata and the message bytes.
"""

import functools
import json
from urllib.parse import parse_qs

from .google_common import GoogleError


def _multipart_parts(content_type, text):
    """Return [(part headers with lowercase names, part payload)] of a multipart body.

    A plain split: the email package's parser costs most of a millisecond a part.
    """
    boundary = next((p.split("=", 1)[1].strip().strip('"') for p in content_type.split(";") if p.strip().startswith("boundary=")), None)
    if not boundary:
        raise GoogleError(400, "Batch requests need a multipart boundary", "invalidArgument")
    parts = []
    for chunk in text.split("--" + boundary)[1:]:
        if chunk.startswith("--"):
            break
        head, _, payload = chunk.strip("\r\n").replace("\r\n", "\n").partition("\n\n")
        headers = {}
        for line in head.split("\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        parts.append((headers, payload))
    return parts


@functools.lru_cache(maxsize=64)
def _part_query(query):
    """Parse a batch part's query string (the parts of one batch share theirs)."""
    return parse_qs(query)


def _split_http(text):
    """Split one application/http part into (request line, headers dict, body)."""
    head, _, body = text.replace("\r\n", "\n").partition("\n\n")
    lines = [line for line in head.split("\n") if line.strip()]
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip()] = value.strip()
    return lines[0], headers, body


def _related_parts(content_type, body):
    """Split an upload's multipart/related body into (JSON metadata, message bytes)."""
    boundary = next((p.split("=", 1)[1].strip().strip('"') for p in content_type.split(";") if p.strip().startswith("boundary=")), None)
    if not content_type.startswith("multipart/related") or not boundary:
        raise GoogleError(400, "Multipart uploads need a multipart/related body with a boundary", "invalidArgument")
    chunks = body.split(b"--" + boundary.encode())
    parts = []
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, payload = chunk.lstrip(b"\r\n").partition(b"\r\n\r\n")
        parts.append((head.decode("latin-1").lower(), payload[:-2] if payload.endswith(b"\r\n") else payload))
    if len(parts) != 2 or "application/json" not in parts[0][0]:
        raise GoogleError(400, "A multipart upload is the JSON metadata, then the media", "invalidArgument")
    try:
        metadata = json.loads(parts[0][1] or b"{}")
    except ValueError:
        raise GoogleError(400, "Invalid JSON metadata", "parseError") from None
    return metadata, parts[1][1]
