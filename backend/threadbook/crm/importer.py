"""Import contacts from CSV: good rows import, bad rows are named with reasons.

The header must have an ``email`` column; ``name``, ``title``, ``company`` and
``phone`` are optional. Every row is checked before anything is written, then
each good row is written whole (contact, address, company) in its own
transaction, so nothing is ever half-written. An address already in the
organisation is skipped, so re-running an import creates no duplicates.
"""

import csv
from dataclasses import dataclass, field

from threadbook import matching
from threadbook.crm import store as crm
from threadbook.db import write_transaction

REQUIRED = {"email"}
KNOWN = {"email", "name", "title", "company", "phone"}
BATCH = 500


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (for example, wrong columns)."""


@dataclass
class ImportReport:
    imported: int = 0
    skipped_existing: int = 0
    errors: list = field(default_factory=list)  # (line number, reason)

    @property
    def ok(self):
        return not self.errors


def _read_rows(stream):
    reader = csv.DictReader(stream)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if not header:
        raise ImportFileError("The file is empty: expected a header row with an 'email' column.")
    missing = REQUIRED - set(header)
    if missing:
        raise ImportFileError(
            f"Missing column(s) {', '.join(sorted(missing))}; the header has {', '.join(header) or 'nothing'}. "
            f"Expected columns: email (required), name, title, company, phone."
        )
    unknown = [h for h in header if h not in KNOWN]
    if unknown:
        raise ImportFileError(f"Unknown column(s) {', '.join(unknown)}. Expected columns: email (required), name, title, company, phone.")
    reader.fieldnames = header
    for row in reader:
        # reader.line_num is the physical line that ended this record.
        yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if k is not None}


def validate(stream):
    """Return ([(line, row, normalised)], [(line, reason)]) without writing anything."""
    good, errors, seen = [], [], {}
    for line, row in _read_rows(stream):
        address = row.get("email", "")
        if not address:
            errors.append((line, "missing email address"))
            continue
        normalized = matching.try_normalize(address)
        if normalized is None:
            errors.append((line, f"malformed email address '{address}'"))
            continue
        if normalized in seen:
            errors.append((line, f"duplicate of line {seen[normalized]} ({address})"))
            continue
        seen[normalized] = line
        good.append((line, row, normalized))
    return good, errors


def import_contacts(org_id, stream, owner=None, progress=None):
    """Import a CSV stream into an organisation; return an ImportReport."""
    good, errors = validate(stream)
    report = ImportReport(errors=errors)
    for start in range(0, len(good), BATCH):
        batch = good[start : start + BATCH]
        with write_transaction():
            for _line, row, normalized in batch:
                if crm.find_record_by_address(org_id, normalized) is not None:
                    report.skipped_existing += 1
                    continue
                company = crm.find_or_create_company(org_id, row["email"], row.get("company") or None)
                crm.create_contact(
                    org_id,
                    row.get("name", ""),
                    [row["email"]],
                    title=row.get("title") or None,
                    phone=row.get("phone") or None,
                    company=company,
                    owner=owner,
                )
                report.imported += 1
        if progress:
            progress(len(batch))
    return report
