"""``threadbook import-contacts``: import a CSV contact list from the command line (docs/import.md).

Prints the database it uses, how it read the file (encoding, delimiter,
columns, ignored columns), progress (a bar on a terminal, a line every 10%
otherwise), then a summary; every rejected row goes to a rejects file with
its reason instead of the screen.

Exit codes: 0 rows were imported (or would be, with --dry-run), or nothing was
wrong (every row was already there); 1 no row was imported and some were
invalid; 2 a wrong option (an unknown organisation, an owner who is not a
member); 3 the file cannot be read as a contact list (not text, empty, no
email column); 4 the database has no tables (run ``threadbook init-db``).
"""

import sys
import time
from pathlib import Path

import click
from flask.cli import with_appcontext

from threadbook import matching
from threadbook.crm.import_source import DELIMITERS, FIELDS, IGNORE
from threadbook.crm.importer import ImportFileError, ImportOptions, import_source, read_source, record_import, write_rejects
from threadbook.db import database
from threadbook.models import Organization, User

EXIT_BAD_FILE = 3


class BadFile(click.ClickException):
    exit_code = EXIT_BAD_FILE


class LineProgress:
    """Progress as a line every 10% (or every 30 s), for logs and pipes."""

    def __init__(self, total):
        self.total, self.done, self.next_step = total, 0, 10
        self.started = self.last = time.monotonic()

    def __call__(self, rows):
        self.done += rows
        percent = 100 * self.done // max(self.total, 1)
        now = time.monotonic()
        if percent >= self.next_step or now - self.last >= 30:
            rate = self.done / max(now - self.started, 1e-6)
            click.echo(f"  {self.done} of {self.total} rows ({percent}%), {rate:.0f} rows/s")
            self.next_step, self.last = (percent // 10 + 1) * 10, now


def _mapping(pairs):
    mapping = {}
    for pair in pairs:
        header, sep, target = pair.rpartition("=")
        if not sep or not header.strip() or target.strip().lower() not in (*FIELDS, IGNORE):
            raise click.BadParameter(f"'{pair}': give HEADER=FIELD, FIELD one of {', '.join(FIELDS)} or {IGNORE}.", param_hint="--map")
        mapping[header.strip()] = target.strip().lower()
    return mapping


def _organisation(org_id):
    if org_id is not None:
        org = Organization.get_or_none(Organization.id == org_id)
        if org is None:
            raise click.BadParameter(f"no organisation {org_id}", param_hint="--org")
        return org
    orgs = list(Organization.select().order_by(Organization.id).limit(11))
    if len(orgs) == 1:
        return orgs[0]
    listed = ", ".join(f"{o.id} '{o.name}'" for o in orgs[:10]) or "none (threadbook create-org makes one)"
    raise click.BadParameter(f"say which organisation; the database has {listed}", param_hint="--org")


def _owner(org, owner_email):
    """Return (user or None, how it was chosen) for the new contacts' owner."""
    if owner_email:
        member = User.get_or_none((User.org == org.id) & (User.email_normalized == (matching.try_normalize(owner_email) or "")))
        if member is None:
            raise click.BadParameter(f"{owner_email} is not a member of organisation {org.id} '{org.name}'", param_hint="--owner")
        return member, "--owner"
    admin = User.select().where((User.org == org.id) & (User.role == "admin")).order_by(User.id).first()
    if admin is None:
        return None, "the organisation has no administrator; --owner chooses one"
    return admin, "the organisation's first administrator; --owner chooses another"


def _read(csv_file, delimiter, mapping):
    try:
        data = csv_file.read_bytes()
    except OSError as exc:
        raise click.FileError(str(csv_file), exc.strerror) from exc
    try:
        return read_source(data, {name: d for d, name in DELIMITERS.items()}.get(delimiter), mapping)
    except ImportFileError as exc:
        raise BadFile(f"{csv_file.name}: {exc}") from exc


def _run(org, source, options):
    if sys.stdout.isatty():
        with click.progressbar(length=source.rows_total, label="Importing", file=sys.stdout) as bar:
            return import_source(org.id, source, options, progress=bar.update)
    return import_source(org.id, source, options, progress=LineProgress(source.rows_total))


@click.command("import-contacts")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--org", "org_id", type=int, help="Organisation id; may be left out when the database has one organisation.")
@click.option("--owner", "owner_email", metavar="EMAIL", help="The member who owns the new contacts (default: the organisation's first administrator).")
@click.option("--dry-run", is_flag=True, help="Check every row and write nothing; report what an import would do.")
@click.option("--map", "pairs", multiple=True, metavar="HEADER=FIELD", help=f"Read a column as a field ({', '.join(FIELDS)}) or '{IGNORE}' it; repeatable.")
@click.option("--delimiter", type=click.Choice(sorted(DELIMITERS.values())), help="The column separator (sniffed by default).")
@click.option(
    "--rejects",
    "rejects_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the rejected rows (default: FILE.rejects.csv beside the file).",
)
@with_appcontext
def import_contacts_command(csv_file, org_id, owner_email, dry_run, pairs, delimiter, rejects_path):
    """Import contacts from a CSV file: columns email (required), name (or first/last name), title, company, phone, owner."""
    mapping = _mapping(pairs)
    rejects_path = rejects_path or csv_file.with_name(f"{csv_file.stem}.rejects.csv")
    if rejects_path.resolve() == csv_file.resolve():
        raise click.BadParameter("the rejects file would overwrite the file being imported", param_hint="--rejects")
    with database.connection_context():
        org = _organisation(org_id)
        owner, how = _owner(org, owner_email)
        source = _read(csv_file, delimiter, mapping)
        click.echo(f"Organisation {org.id} '{org.name}'. Owner of the new contacts: {owner.email if owner else 'nobody'} ({how}).")
        click.echo(f"Reading {csv_file}: {source.describe()}.")
        for line in source.mapping_lines():
            click.echo(line)
        if dry_run:
            click.echo("Dry run: nothing will be written.")
        report = _run(org, source, ImportOptions(dry_run=dry_run, owner_id=owner.id if owner else None))
        record_import(org.id, None, csv_file.name, report, via="cli")
    for line in report.summary_lines():
        click.echo(line)
    if report.rejects:
        with open(rejects_path, "w", newline="", encoding="utf-8-sig") as out:
            write_rejects(report, out)
        click.echo(f"Rejected rows, each with its reason: {rejects_path}")
    sys.exit(report.exit_code)
