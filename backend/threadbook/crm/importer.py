"""Import contacts from a CSV file without stopping the team: good rows import, the rest are rejects with reasons.

The file is read (import_source.py: encoding, delimiter, columns), then
checked and written ``batch`` rows at a time: the checks only read
(import_rows.py), and each batch's writes take one short write transaction
(import_write.py, 10 to 30 milliseconds for 500 rows). Between two write
transactions the importer leaves the database alone for as long as the last
one took, and at least 30 ms (checking the next batch meanwhile), so on SQLite, where one
writer holds the database at a time, the API's writes get their turn within
milliseconds instead of waiting behind the import (PostgreSQL, whose writers
do not wait for each other, gets no pause). A re-run of the same file
finds every address taken in the checks and writes nothing.

A dry run checks everything and writes nothing; its report says what a real
run would do. The report counts imported rows, duplicates and invalid rows
by reason, and keeps each rejected row (its cells as read, its line and the
reason) for the rejects file.
"""

import csv
import io
import itertools
import time
from collections import Counter
from dataclasses import dataclass, field

from threadbook import audit
from threadbook.crm.import_rows import REASONS, Reject, RowChecker
from threadbook.crm.import_source import ImportFileError, Source, read_source, rows
from threadbook.crm.import_write import write_batch
from threadbook.db import is_sqlite, write_transaction

__all__ = ["ImportFileError", "ImportOptions", "ImportReport", "import_contacts", "import_source", "read_source", "record_import", "write_rejects"]


@dataclass
class ImportOptions:
    dry_run: bool = False
    owner_id: int | None = None  # rows without an owner column get this owner
    delimiter: str | None = None  # sniffed when None
    mapping: dict = field(default_factory=dict)  # header -> field or "ignore"
    batch: int = 500
    # After each write transaction the database is left to others for this many times its length, and at least
    # min_pause: a writer waiting on SQLite's busy handler retries at most 25 ms apart in its first 128 ms, so a
    # gap of 30 ms always lets it in.
    pause_ratio: float = 1.0
    min_pause: float = 0.03


@dataclass
class ImportReport:
    source: Source
    dry_run: bool = False
    rows: int = 0
    imported: int = 0
    rejects: list = field(default_factory=list)
    seconds: float = 0.0

    def reasons(self, category):
        """{reason code: rows} of one category ("duplicate" or "invalid"), largest first."""
        return dict(Counter(r.code for r in self.rejects if r.category == category).most_common())

    @property
    def duplicates(self):
        return sum(1 for r in self.rejects if r.category == "duplicate")

    @property
    def invalid(self):
        return sum(1 for r in self.rejects if r.category == "invalid")

    @property
    def exit_code(self):
        """0 when rows were (or would be) imported or nothing was wrong (duplicates are not wrong); 1 when every row failed."""
        return 0 if self.imported or not self.invalid else 1

    def summary(self):
        """The report as JSON: counts by reason, how the file was read, no rows."""
        return {
            "dry_run": self.dry_run,
            "rows": self.rows,
            "imported": self.imported,
            "duplicates": {"total": self.duplicates, "reasons": self.reasons("duplicate")},
            "invalid": {"total": self.invalid, "reasons": self.reasons("invalid")},
            "encoding": self.source.encoding,
            "delimiter": self.source.delimiter_name,
            "columns": {self.source.header[i]: f for i, f in self.source.columns.items()},
            "ignored_columns": self.source.ignored,
            "seconds": round(self.seconds, 2),
        }

    def summary_lines(self):
        """The report for a person, a few lines whatever the number of rows."""
        verb = "Would import" if self.dry_run else "Imported"
        lines = [f"{verb} {self.imported} of {self.rows} row(s) in {self.seconds:.1f} s."]
        for category, total in (("duplicate", self.duplicates), ("invalid", self.invalid)):
            if total:
                parts = "; ".join(f"{REASONS[code][1]}: {n}" for code, n in self.reasons(category).items())
                lines.append(f"{'Duplicates' if category == 'duplicate' else 'Invalid'}: {total} ({parts})")
        return lines


def import_contacts(org_id, data, options=None, progress=None):
    """Read ``data`` (bytes, or text) as a contact list and import it into an organisation; return an ImportReport.

    Raise ImportFileError when the file as a whole cannot be read.
    """
    options = options or ImportOptions()
    source = read_source(data.encode("utf-8") if isinstance(data, str) else data, options.delimiter, options.mapping)
    return import_source(org_id, source, options, progress)


def import_source(org_id, source, options=None, progress=None):
    """Import the rows of a Source already read; ``progress(rows done)`` is called after each batch."""
    options = options or ImportOptions()
    report = ImportReport(source, dry_run=options.dry_run)
    started = time.perf_counter()
    checker = RowChecker(org_id, options.owner_id)
    iterator = rows(source)
    next_write = 0.0  # when the next write transaction may begin: the pause after the last one, spent checking the next batch
    pausing = is_sqlite()  # PostgreSQL's writers do not wait for each other's transactions
    while batch := list(itertools.islice(iterator, options.batch)):
        good, rejects = checker.check(batch)
        report.rejects.extend(rejects)
        if good and options.dry_run:
            report.imported += len(good)
        elif good:
            time.sleep(max(0.0, next_write - time.perf_counter()))
            began = time.perf_counter()
            written, raced = write_batch(org_id, good)
            ended = time.perf_counter()
            if pausing:
                next_write = ended + min(max((ended - began) * options.pause_ratio, options.min_pause), 0.5)
            report.imported += len(written)
            cells = {line: c for line, _, c in batch}
            report.rejects.extend(Reject(r.line, holder[0], f"already a {holder[0]} (added during the import)", cells[r.line]) for r, holder in raced)
        report.rows += len(batch)
        if progress:
            progress(len(batch))
    report.rejects.sort(key=lambda r: r.line)
    report.seconds = time.perf_counter() - started
    return report


def write_rejects(report, stream):
    """Write the rejected rows as CSV: ``line``, ``reason``, then the file's own columns as read."""
    writer = csv.writer(stream)
    writer.writerow(["line", "reason", *report.source.header])
    for reject in report.rejects:
        writer.writerow([reject.line, reject.reason, *reject.cells])


def rejects_text(report):
    stream = io.StringIO()
    write_rejects(report, stream)
    return stream.getvalue()


def record_import(org_id, user_id, file_name, report, via):
    """Write ``contacts.imported`` to the audit log (not for a dry run)."""
    if report.dry_run:
        return
    with write_transaction():
        audit.record(
            "contacts.imported",
            org=org_id,
            user=user_id,
            file=file_name,
            via=via,
            rows=report.rows,
            imported=report.imported,
            duplicates=report.duplicates,
            invalid=report.invalid,
        )
