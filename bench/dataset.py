"""Build (once) and open the benchmark organisation: 1,000,000 contacts in a SQLite file under /tmp.

The file is built with executemany in large transactions, into a temporary
name renamed when complete, and reused by later runs while its recipe
version matches (delete it, or pass a new path, to rebuild). Shared by
bench/lookup.py and bench/lookup_http.py.

Shape (organisation 1, domain us.example):
- users: the caller ``me@us.example`` (id 1) and 20 colleagues;
- 100,000 companies, each with one domain ``company<n>.example``;
- 1,000,000 contacts ``person<n>@company<n % 100000>.example``; one in ten
  also has ``person.<n>@gmail.com``;
- 100,000 leads ``lead<n>@prospect<n>.example``;
- 200,000 deals (60% open), 500,000 notes;
- 300,000 logged emails, three participants each, of mixed visibility, in
  threads of three;
- a second organisation with 10,000 contacts of the same addresses, so that
  scoping by organisation is exercised.
"""

import datetime
import os
import random
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

RECIPE = 3
DEFAULT_PATH = Path(os.environ.get("THREADBOOK_BENCH_DIR", "/tmp/threadbook-bench")) / f"lookup-1m-v{RECIPE}.sqlite3"
CONTACTS = 1_000_000
COMPANIES = 100_000
LEADS = 100_000
DEALS = 200_000
NOTES = 500_000
EMAILS = 300_000
COLLEAGUES = 20
OTHER_ORG_CONTACTS = 10_000
BATCH = 50_000
SECRET = "bench-secret-key-0123456789abcdef0123456789"


def settings(path):
    return {"DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": SECRET, "TESTING": False}


def _insert(db, model, columns, rows):
    """executemany in batches, inside the caller's transaction."""
    table = model._meta.table_name
    names = ", ".join(f'"{model._meta.fields[c].column_name}"' for c in columns)
    sql = f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" for _ in columns)})'
    cursor = db.cursor()
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            cursor.executemany(sql, batch)
            batch.clear()
    if batch:
        cursor.executemany(sql, batch)


def _ts(day_offset):
    return (datetime.datetime(2025, 1, 1) + datetime.timedelta(minutes=day_offset)).strftime("%Y-%m-%d %H:%M:%S")


def build(path):
    """Create the benchmark database at ``path``."""
    from threadbook import create_app
    from threadbook.db import database
    from threadbook.migrations import upgrade
    from threadbook.models import Company, CompanyDomain, Contact, ContactAddress, Deal, Email, EmailParticipant, Lead, MailboxMessage, Note, Organization, User

    rng = random.Random(42)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".building")
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    app = create_app(settings(partial))
    started = time.perf_counter()
    with app.app_context():
        database.connect()
        upgrade()
        db = database.obj
        db.execute_sql("PRAGMA synchronous=OFF")  # a throwaway file being built: speed over durability
        now = _ts(0)
        with db.atomic():
            # Small tables through peewee, which fills every default.
            Organization.insert_many(
                [
                    {"id": 1, "name": "Bench Org", "domain": "us.example", "is_personal": False},
                    {"id": 2, "name": "Other Org", "domain": "other.example", "is_personal": False},
                ]
            ).execute()
            users = [{"id": 1, "org": 1, "google_sub": "sub-me", "email": "me@us.example", "email_normalized": "me@us.example", "name": "Me", "role": "admin"}]
            users += [
                {
                    "id": 2 + n,
                    "org": 1,
                    "google_sub": f"sub-{n}",
                    "email": f"colleague{n}@us.example",
                    "email_normalized": f"colleague{n}@us.example",
                    "name": f"Colleague {n}",
                }
                for n in range(COLLEAGUES)
            ]
            users.append(
                {"id": 100, "org": 2, "google_sub": "sub-other", "email": "other@other.example", "email_normalized": "other@other.example", "name": "Other"}
            )
            User.insert_many(users).execute()
            _insert(
                db,
                Company,
                ["id", "org", "name", "name_lower", "created_at", "updated_at"],
                ((n + 1, 1, f"Company {n}", f"company {n}", now, now) for n in range(COMPANIES)),
            )
            _insert(db, CompanyDomain, ["org", "company", "domain"], ((1, n + 1, f"company{n}.example") for n in range(COMPANIES)))
        print(f"  companies and users: {time.perf_counter() - started:.1f} s", flush=True)
        with db.atomic():
            _insert(
                db,
                Contact,
                ["id", "org", "name", "name_lower", "title", "company", "owner", "created_at", "updated_at"],
                ((n + 1, 1, f"Person {n}", f"person {n}", "Buyer", n % COMPANIES + 1, 1 + n % (COLLEAGUES + 1), now, now) for n in range(CONTACTS)),
            )
            addresses = ((1, n + 1, f"person{n}@company{n % COMPANIES}.example", f"person{n}@company{n % COMPANIES}.example", True) for n in range(CONTACTS))
            _insert(db, ContactAddress, ["org", "contact", "email", "email_normalized", "is_primary"], addresses)
            _insert(
                db,
                ContactAddress,
                ["org", "contact", "email", "email_normalized", "is_primary"],
                ((1, n + 1, f"person.{n}@gmail.com", f"person{n}@gmail.com", False) for n in range(0, CONTACTS, 10)),
            )
        print(f"  contacts: {time.perf_counter() - started:.1f} s", flush=True)
        with db.atomic():
            _insert(
                db,
                Lead,
                ["org", "name", "name_lower", "email", "email_normalized", "status", "owner", "created_at", "updated_at"],
                ((1, f"Lead {n}", f"lead {n}", f"lead{n}@prospect{n}.example", f"lead{n}@prospect{n}.example", "new", 1, now, now) for n in range(LEADS)),
            )
            statuses = ["open", "open", "open", "won", "lost"]
            _insert(
                db,
                Deal,
                ["org", "name", "company", "contact", "owner", "stage", "status", "amount", "currency", "close_date", "created_at", "updated_at"],
                (
                    (
                        1,
                        f"Deal {n}",
                        (c := rng.randrange(CONTACTS)) % COMPANIES + 1,
                        c + 1,
                        1,
                        "proposal",
                        statuses[n % 5],
                        f"{rng.randrange(1000, 100000)}.00",
                        "USD",
                        "2026-03-01",
                        now,
                        now,
                    )
                    for n in range(DEALS)
                ),
            )
            _insert(
                db,
                Note,
                ["org", "author", "body", "contact", "created_at"],
                ((1, 1 + n % (COLLEAGUES + 1), f"Note {n} about the account.", rng.randrange(CONTACTS) + 1, _ts(n)) for n in range(NOTES)),
            )
        print(f"  leads, deals, notes: {time.perf_counter() - started:.1f} s", flush=True)
        visibilities = ["team_metadata", "team_full", "private"]
        with db.atomic():
            emails, mailbox, participants = [], [], []
            for n in range(EMAILS):
                contact = rng.randrange(CONTACTS)
                owner = 1 + n % (COLLEAGUES + 1)
                thread = f"{0x18C000000000000 + n // 3:x}"
                gid = f"{0x18D000000000000 + n:x}"
                emails.append(
                    (
                        n + 1,
                        1,
                        owner,
                        owner,
                        f"<{n}@bench.example>",
                        f"<{n}@bench.example>",
                        gid,
                        thread,
                        f"Subject {n}",
                        f"person{contact}@company{contact % COMPANIES}.example",
                        f"Person {contact}",
                        "[]",
                        "[]",
                        _ts(n),
                        "snippet",
                        visibilities[n % 3],
                        "sync",
                        now,
                    )
                )
                mailbox.append((1, owner, n + 1, gid, thread, now))
                colleague = f"colleague{owner - 2}@us.example" if owner > 1 else "me@us.example"
                other = rng.randrange(CONTACTS)
                participants.append(
                    (1, n + 1, f"person{contact}@company{contact % COMPANIES}.example", f"person{contact}@company{contact % COMPANIES}.example", "", "from")
                )
                participants.append((1, n + 1, colleague, colleague, "", "to"))
                participants.append(
                    (1, n + 1, f"person{other}@company{other % COMPANIES}.example", f"person{other}@company{other % COMPANIES}.example", "", "cc")
                )
            _insert(
                db,
                Email,
                [
                    "id",
                    "org",
                    "owner",
                    "logged_by",
                    "message_key",
                    "rfc_message_id",
                    "gmail_message_id",
                    "gmail_thread_id",
                    "subject",
                    "from_email",
                    "from_name",
                    "to",
                    "cc",
                    "date",
                    "snippet",
                    "visibility",
                    "source",
                    "created_at",
                ],
                emails,
            )
            _insert(db, MailboxMessage, ["org", "user", "email", "gmail_message_id", "gmail_thread_id", "created_at"], mailbox)
            _insert(db, EmailParticipant, ["org", "email", "address", "address_normalized", "name", "role"], participants)
        print(f"  emails: {time.perf_counter() - started:.1f} s", flush=True)
        with db.atomic():
            _insert(
                db,
                Contact,
                ["org", "name", "name_lower", "created_at", "updated_at"],
                ((2, f"Person {n}", f"person {n}", now, now) for n in range(OTHER_ORG_CONTACTS)),
            )
            first_other = db.execute_sql("SELECT MIN(id) FROM contact WHERE org_id = 2").fetchone()[0]
            _insert(
                db,
                ContactAddress,
                ["org", "contact", "email", "email_normalized", "is_primary"],
                (
                    (2, first_other + n, f"person{n}@company{n % COMPANIES}.example", f"person{n}@company{n % COMPANIES}.example", True)
                    for n in range(OTHER_ORG_CONTACTS)
                ),
            )
        db.execute_sql("ANALYZE")
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        database.close()
    os.replace(partial, path)
    Path(f"{partial}-wal").unlink(missing_ok=True)
    Path(f"{partial}-shm").unlink(missing_ok=True)
    print(f"Built {path} in {time.perf_counter() - started:.0f} s", flush=True)


def ensure(path=DEFAULT_PATH):
    """Return the path of the benchmark database, building it when missing, else bringing its schema up to date."""
    path = Path(path)
    if not path.exists():
        print(f"Building the benchmark organisation ({CONTACTS:,} contacts) into {path} ...", flush=True)
        build(path)
    else:
        _upgrade(path)
    return path


def _upgrade(path):
    """Run the schema migrations a file built by older code lacks (new columns, new tables; the data stays)."""
    from threadbook import create_app
    from threadbook.db import database
    from threadbook.migrations import upgrade

    app = create_app(settings(path))
    with app.app_context():
        database.connect(reuse_if_open=True)
        applied = upgrade()
        database.close()
    if applied:
        print(f"Upgraded {path} to schema {applied[-1]} (steps {applied}).", flush=True)


def participants(rng, logged_threads=True):
    """Twenty participants as a Gmail thread would have them: contacts, leads, colleagues, self, strangers."""
    people = []
    for _ in range(8):
        n = rng.randrange(CONTACTS)
        people.append({"email": f"person{n}@company{n % COMPANIES}.example", "name": f"Person {n}"})
    for _ in range(2):
        n = rng.randrange(0, CONTACTS, 10)
        people.append({"email": f"Person.{n}+crm@gmail.com"})
    for _ in range(3):
        n = rng.randrange(LEADS)
        people.append({"email": f"lead{n}@prospect{n}.example"})
    people.append({"email": "me@us.example"})
    for n in rng.sample(range(COLLEAGUES), 2):
        people.append({"email": f"colleague{n}@us.example"})
    for _ in range(2):
        people.append({"email": f"stranger{rng.randrange(10**6)}@company{rng.randrange(COMPANIES)}.example", "name": "New Person"})
    for _ in range(2):
        people.append({"email": f"someone{rng.randrange(10**6)}@gmail.com"})
    rng.shuffle(people)
    body = {"participants": people}
    if logged_threads:
        body["thread_id"] = f"{0x18C000000000000 + rng.randrange(EMAILS // 3):x}"
    return body


def session_header(app, user_id=1):
    from threadbook.db import database
    from threadbook.identity.sessions import issue_session
    from threadbook.models import User

    with app.app_context():
        database.connect(reuse_if_open=True)
        user = User.get_by_id(user_id)
        app.config["SESSION_TTL_SECONDS"] = 24 * 3600
        token, _ = issue_session(user)
        database.close()
    return {"Authorization": f"Bearer {token}"}


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]
