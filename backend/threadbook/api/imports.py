"""Contact imports for administrators: upload a CSV file, follow the job, download the rejected rows (docs/import.md).

``POST /org/imports`` takes the file as ``multipart/form-data`` (field
``file``, options as form fields) or as a ``text/csv`` body (options in the
query string), up to ``IMPORT_MAX_BYTES`` (THREADBOOK_IMPORT_MAX_BYTES, 20 MB)
instead of the API's usual limit; it answers 202 with the import, whose
``status`` goes queued, running, done (or failed). A file that cannot be
imported at all (not text, empty, no email column) is a 400 at once. Members
get 403; another organisation's import is a 404. The service is
crm/import_jobs.py.
"""

import re

from flask import Blueprint, Response, current_app, g, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from threadbook.api import openapi as doc
from threadbook.api.authentication import admin_required
from threadbook.api.params import check_storable
from threadbook.crm import import_jobs
from threadbook.crm.import_source import FIELDS, IGNORE, ImportFileError
from threadbook.crm.serializers import iso
from threadbook.errors import ApiError

bp = Blueprint("imports", __name__)

MULTIPART_HEADROOM = 64 * 1024  # the form's boundaries and option fields around the file
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


@bp.post("/org/imports")
@admin_required
def create_import():
    data, file_name, options = _read_upload()
    try:
        job = import_jobs.start(g.user, data, file_name, **options)
    except ImportFileError as exc:
        raise ApiError(400, str(exc), field="file") from exc
    except import_jobs.NotAMember as exc:
        raise ApiError(400, str(exc), field="owner_email") from exc
    return jsonify(import_json(job)), 202, {"Location": f"/api/v1/org/imports/{job.id}"}


@bp.get("/org/imports")
@admin_required
def list_imports():
    return {"imports": [import_json(job) for job in import_jobs.recent(g.org.id)]}


@bp.get("/org/imports/<int:id>")
@admin_required
def get_import(id):
    return import_json(import_jobs.get(g.org.id, id))


@bp.get("/org/imports/<int:id>/rejects.csv")
@admin_required
def get_rejects(id):
    job = import_jobs.get(g.org.id, id)
    text = import_jobs.rejects_csv(job)
    if text is None:
        raise ApiError(404, "This import has no rejected rows (or has not finished).")
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", job.file_name.rsplit(".", 1)[0])[:100] or "import"
    headers = {"Content-Disposition": f'attachment; filename="{stem}.rejects.csv"'}
    return Response("\ufeff" + text, mimetype="text/csv", headers=headers)  # the BOM: spreadsheets then read UTF-8


def import_json(job):
    has_rejects = getattr(job, "has_rejects", job.rejects is not None)
    return {
        "id": job.id,
        "status": job.status,
        "file_name": job.file_name,
        "dry_run": job.dry_run,
        "created_by_id": job.created_by_id,
        "created_at": iso(job.created_at),
        "started_at": iso(job.started_at),
        "finished_at": iso(job.finished_at),
        "progress": {"rows_done": job.rows_done, "rows_total": job.rows_total},
        "summary": job.summary,
        "error": job.error,
        "rejects_url": f"/api/v1/org/imports/{job.id}/rejects.csv" if has_rejects else None,
    }


def _limit():
    return current_app.config["IMPORT_MAX_BYTES"]


def _size(n):
    """A size for a person: "20 MB", "1.5 MB", "4 KB" (MB of 1024 KB, as the limit is set)."""
    return f"{round(n / 1024**2, 1):g} MB" if n >= 1024**2 else f"{max(1, round(n / 1024))} KB"


def _too_large():
    return ApiError(
        413,
        f"The file is larger than the {_size(_limit())} an import takes (THREADBOOK_IMPORT_MAX_BYTES). Split it into several files, or import it "
        "on the server with `threadbook import-contacts`.",
        limit_bytes=_limit(),
    )


def _read_upload():
    """Return (file bytes, file name, options) from a multipart form or a text/csv body."""
    if request.content_length is not None and request.content_length > _limit() + MULTIPART_HEADROOM:
        raise _too_large()
    request.max_content_length = _limit() + MULTIPART_HEADROOM  # this route's own limit
    try:
        if request.mimetype == "multipart/form-data":
            upload = request.files.get("file")
            if upload is None:
                raise ApiError(400, "Send the contact list in the form field 'file'.", field="file")
            data, name, values = upload.read(_limit() + 1), upload.filename, request.form
        elif request.mimetype in ("text/csv", "text/plain", "application/octet-stream"):
            data, name, values = request.get_data(cache=False), request.args.get("file_name"), request.args
        else:
            raise ApiError(415, "Send the contact list as multipart/form-data (field 'file') or as a text/csv body.")
    except RequestEntityTooLarge:
        raise _too_large() from None
    if len(data) > _limit():
        raise _too_large()
    return data, _file_name(name), _options(values)


def _file_name(name):
    name = (name or "upload.csv").replace("\\", "/").rsplit("/", 1)[-1].strip()[:200] or "upload.csv"
    check_storable(name, "The file name", field="file_name")
    return name


def _options(values):
    unknown = sorted(set(values) - {"dry_run", "owner_email", "map", "file_name"})
    if unknown:
        raise ApiError(400, f"Unknown option(s): {', '.join(unknown)}. Options are dry_run, owner_email, map.", field=unknown[0])
    dry_run = (values.get("dry_run") or "").strip().lower()
    if dry_run not in _TRUE + _FALSE:
        raise ApiError(400, "'dry_run' must be true or false.", field="dry_run")
    owner_email = (values.get("owner_email") or "").strip()[:254] or None
    mapping = {}
    for pair in values.getlist("map"):
        header, sep, target = pair.rpartition("=")
        if not sep or not header.strip() or target.strip().lower() not in (*FIELDS, IGNORE):
            raise ApiError(400, f"'map' takes HEADER=FIELD, FIELD one of {', '.join(FIELDS)} or {IGNORE}; got '{pair[:100]}'.", field="map")
        mapping[header.strip()] = target.strip().lower()
    check_storable(owner_email or "", "'owner_email'", field="owner_email")
    for header in mapping:
        check_storable(header, "A 'map' header", field="map")
    return {"dry_run": dry_run in _TRUE, "owner_email": owner_email, "mapping": mapping}


_ADMIN = "Administrators only (403 for members)."
_OPTIONS = {
    "dry_run": {"type": "boolean", "description": "Check every row and write nothing; the summary says what an import would do."},
    "owner_email": {"type": "string", "description": "The member who owns the new contacts (default: you); a row's owner column wins."},
    "map": {"type": "array", "items": {"type": "string"}, "description": "HEADER=FIELD: read a column as a field, or 'ignore' it."},
}

OPENAPI_PATHS = {
    "/api/v1/org/imports": {
        "post": {
            "summary": "Import contacts from a CSV file",
            "description": _ADMIN
            + " The file's encoding and delimiter are sniffed and its columns read by name (email required; name or first/last name, title,"
            " company, phone, owner); unknown columns are ignored and listed. Answers 202 with the import, which runs as a job: follow it"
            " with GET /org/imports/{id}. 400 when the file cannot be imported at all, 413 over THREADBOOK_IMPORT_MAX_BYTES (20 MB).",
            "tags": ["imports"],
            "parameters": [
                doc.query("dry_run", {"type": "boolean"}, "With a text/csv body: " + _OPTIONS["dry_run"]["description"]),
                doc.query("owner_email", {"type": "string"}, "With a text/csv body: " + _OPTIONS["owner_email"]["description"]),
                {**doc.query("map", _OPTIONS["map"], "With a text/csv body: " + _OPTIONS["map"]["description"]), "explode": True},
                doc.query("file_name", {"type": "string"}, "With a text/csv body: the file's name, shown with the import."),
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": ["file"],
                            "properties": {"file": {"type": "string", "contentMediaType": "text/csv"}, **_OPTIONS},
                        }
                    },
                    "text/csv": {"schema": {"type": "string"}},
                },
            },
            "responses": {
                "202": doc.json_response("Queued (or, with an in-process queue, already done).", doc.ref("ContactImport")),
                **doc.errors(400, 403, 413, 415, 503),
            },
        },
        "get": {
            "summary": "Recent imports, newest first",
            "description": _ADMIN + " The last 20.",
            "tags": ["imports"],
            "responses": {
                "200": doc.json_response("Imports.", {"type": "object", "properties": {"imports": {"type": "array", "items": doc.ref("ContactImport")}}}),
                **doc.errors(403),
            },
        },
    },
    "/api/v1/org/imports/{id}": {
        "get": {
            "summary": "An import's progress and summary",
            "description": _ADMIN,
            "tags": ["imports"],
            "parameters": [doc.path_id()],
            "responses": {"200": doc.json_response("The import.", doc.ref("ContactImport")), **doc.errors(403, 404)},
        }
    },
    "/api/v1/org/imports/{id}/rejects.csv": {
        "get": {
            "summary": "The rows an import did not import, each with its reason",
            "description": _ADMIN + " CSV (UTF-8 with a byte-order mark): line, reason, then the file's own columns. 404 when no row was rejected.",
            "tags": ["imports"],
            "parameters": [doc.path_id()],
            "responses": {"200": {"description": "The rejects file.", "content": {"text/csv": {"schema": {"type": "string"}}}}, **doc.errors(403, 404)},
        }
    },
}

_REASON_COUNTS = {"type": "object", "properties": {"total": {"type": "integer"}, "reasons": {"type": "object", "additionalProperties": {"type": "integer"}}}}
OPENAPI_SCHEMAS = {
    "ContactImport": {
        "type": "object",
        "required": ["id", "status", "file_name", "dry_run", "progress", "summary", "error", "rejects_url"],
        "properties": {
            "id": {"type": "integer"},
            "status": {"enum": ["queued", "running", "done", "failed"]},
            "file_name": {"type": "string"},
            "dry_run": {"type": "boolean"},
            "created_by_id": {"type": ["integer", "null"]},
            "created_at": {"type": "string", "format": "date-time"},
            "started_at": {"type": ["string", "null"], "format": "date-time"},
            "finished_at": {"type": ["string", "null"], "format": "date-time"},
            "progress": {"type": "object", "properties": {"rows_done": {"type": "integer"}, "rows_total": {"type": "integer"}}},
            "summary": {
                "type": ["object", "null"],
                "description": "When done: rows, imported (or would be, in a dry run), duplicates and invalid rows by reason code "
                "(contact, lead, colleague, same_as_earlier_line; no_address, bad_address, too_long, not_a_member), how the file was read.",
                "properties": {
                    "dry_run": {"type": "boolean"},
                    "rows": {"type": "integer"},
                    "imported": {"type": "integer"},
                    "duplicates": _REASON_COUNTS,
                    "invalid": _REASON_COUNTS,
                    "encoding": {"type": "string"},
                    "delimiter": {"type": "string"},
                    "columns": {"type": "object", "additionalProperties": {"type": "string"}},
                    "ignored_columns": {"type": "array", "items": {"type": "string"}},
                    "seconds": {"type": "number"},
                },
            },
            "error": {"type": ["string", "null"], "description": "Why a failed import stopped."},
            "rejects_url": {"type": ["string", "null"], "description": "Where to download the rejected rows, when there are any."},
        },
    }
}
