"""Contact imports started from the API (the admin page's upload): checked at once, run as a queued job, followed by id.

``start`` reads the file's header in the request, so a file that cannot be
imported (not text, no email column) is refused at once; the file is then
stored with the import (``ContactImport``) and the job queued by name
(``import_contacts``, registered in jobs/tasks.py). The job (``run``) imports
exactly as the command line does, in short write transactions, records its
progress about once a second, then the summary, the rejects file
(gzip-compressed) and ``contacts.imported`` in the audit log, and forgets
the uploaded file. A job that fails says why in ``error``. The new contacts'
owner is the administrator who uploaded the file unless ``owner_email``
names another member, or a row's ``owner`` column does.
"""

import gzip
import logging
import time

from threadbook import matching
from threadbook.crm.import_source import read_source
from threadbook.crm.importer import ImportOptions, import_source, record_import, rejects_text
from threadbook.db import write_transaction
from threadbook.errors import not_found
from threadbook.jobs import queue
from threadbook.models import ContactImport, User, utcnow

log = logging.getLogger(__name__)
PROGRESS_EVERY = 1.0  # seconds between two progress writes


class NotAMember(ValueError):
    """``owner_email`` names nobody of the organisation."""


def start(user, data, file_name, dry_run=False, owner_email=None, mapping=None):
    """Check ``data``'s header (ImportFileError), store the import and queue it; return the ContactImport as it stands.

    ``QueueUnavailable`` when the queue does not answer; the import is then recorded as failed, saying so.
    """
    source = read_source(data, None, mapping)
    owner_id = user.id
    if owner_email:
        owner = User.get_or_none((User.org == user.org_id) & (User.email_normalized == (matching.try_normalize(owner_email) or "")))
        if owner is None:
            raise NotAMember(f"{owner_email} is not a member of your organisation.")
        owner_id = owner.id
    with write_transaction():
        job = ContactImport.create(
            org=user.org_id,
            created_by=user.id,
            file_name=file_name,
            dry_run=dry_run,
            options={"owner_id": owner_id, "mapping": mapping or {}},
            data=data,
            rows_total=source.rows_total,
        )
    try:
        queue.enqueue("import_contacts", job.id)
    except queue.QueueUnavailable:
        # Not left "queued" forever: the import is listed as failed, and the upload answers 503.
        _finish(job.id, status="failed", error="The import could not be queued: the job queue is not answering; upload the file again in a minute.")
        raise
    except Exception as exc:
        log.exception("could not queue import %s", job.id)
        _finish(job.id, status="failed", error=f"The import could not be queued ({exc.__class__.__name__}); try again.")
    return ContactImport.get_by_id(job.id)


def get(org_id, import_id):
    """The organisation's import with this id, or 404."""
    job = ContactImport.get_or_none((ContactImport.id == import_id) & (ContactImport.org == org_id))
    if job is None:
        raise not_found("import")
    return job


def recent(org_id, limit=20):
    """The organisation's latest imports, newest first, without their files."""
    fields = [f for f in ContactImport._meta.sorted_fields if f.name not in ("data", "rejects")]
    query = ContactImport.select(*fields, ContactImport.rejects.is_null(False).alias("has_rejects")).where(ContactImport.org == org_id)
    return list(query.order_by(ContactImport.id.desc()).limit(limit))


def rejects_csv(job):
    """The rejects file's text, or None when no row was rejected (or the import has not ended)."""
    return gzip.decompress(bytes(job.rejects)).decode("utf-8") if job.rejects else None


def run(import_id):
    """The queued job: import the stored file into its organisation; a second delivery of the same job does nothing."""
    with write_transaction():
        claimed = (
            ContactImport.update(status="running", started_at=utcnow()).where((ContactImport.id == import_id) & (ContactImport.status == "queued")).execute()
        )
    if not claimed:
        return None
    job = ContactImport.get_by_id(import_id)
    try:
        source = read_source(bytes(job.data), job.options.get("delimiter"), job.options.get("mapping") or {})
        options = ImportOptions(dry_run=job.dry_run, owner_id=job.options.get("owner_id"))
        report = import_source(job.org_id, source, options, progress=_progress(import_id))
        record_import(job.org_id, job.created_by_id, job.file_name, report, via="api")
        rejects = gzip.compress(rejects_text(report).encode("utf-8")) if report.rejects else None
        _finish(import_id, status="done", summary=report.summary(), rejects=rejects, rows_done=report.rows)
        return report.summary()
    except Exception as exc:  # the job records why and ends; the worker goes on
        log.exception("import %s failed", import_id)
        _finish(import_id, status="failed", error=str(exc) if isinstance(exc, ValueError) else f"The import stopped ({exc.__class__.__name__}); try again.")
        return None


def _progress(import_id):
    state = {"done": 0, "written_at": time.monotonic()}

    def advance(rows):
        state["done"] += rows
        if time.monotonic() - state["written_at"] >= PROGRESS_EVERY:
            with write_transaction():
                ContactImport.update(rows_done=state["done"]).where(ContactImport.id == import_id).execute()
            state["written_at"] = time.monotonic()

    return advance


def _finish(import_id, **fields):
    with write_transaction():
        ContactImport.update(data=None, finished_at=utcnow(), **fields).where(ContactImport.id == import_id).execute()
