"""Benchmark mail sync ingest: messages matched and stored per second from the fake Gmail API.

    .venv/bin/python -m bench.sync_ingest [--messages 20000] [--contacts 100000] [--database-url URL]

An organisation of 100,000 contacts (SQLite in a temporary directory unless
``--database-url`` names another database) and one mailbox of ``--messages``
messages from the last 60 days, served by the fake Gmail API and the fake
token endpoint in a separate process (so the fake does not share this
process's interpreter lock). The mailbox then syncs from scratch exactly as a
worker would (``sync_mailbox``: list pages, batched metadata fetches, the
blocklist and colleague filter, matching against contacts and leads,
idempotent storing, the Threadbook/Logged label, progress committed per
page), with the quota bucket off so the figure is the pipeline's own.

Mail mix: 55% from or to a known contact, 25% from strangers (stored, not
matched), 10% purely internal (skipped), 5% blocked (skipped), 5% replies in
existing threads. Prints the figures; the target is at least 2,000 messages
a second on SQLite.
"""

import argparse
import datetime
import json
import logging
import multiprocessing
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from bench import fake_gmail

ROOT = Path(__file__).resolve().parent.parent

ORG_DOMAIN = "us.example"
REP = f"rep@{ORG_DOMAIN}"
COLLEAGUES = [f"colleague{i}@{ORG_DOMAIN}" for i in range(10)]

# The fake Gmail served from this process logs every request; the figures are what matter here.
logging.getLogger("werkzeug").setLevel(logging.ERROR)


def contact_address(n):
    return f"person{n}@company{n % 5000}.example"


def serve_fakes(n_messages, n_contacts, seed, ready):
    """Run in a child process: build the mailbox and serve Gmail + the token endpoint on one port."""
    rng = random.Random(seed)
    state, box, oauth = fake_gmail.mailbox_with_grants(REP)
    now = datetime.datetime.now(datetime.UTC)
    threads = []
    for i in range(n_messages):
        date = now - datetime.timedelta(days=60) + datetime.timedelta(seconds=i * (59 * 86400 / n_messages))
        roll = rng.random()
        kwargs = {"subject": f"Message {i}", "date": date, "body": "Short text."}
        if roll < 0.55:
            person = contact_address(rng.randrange(n_contacts))
            if rng.random() < 0.5:
                kwargs.update(sender=f"Person <{person}>", to=[REP], cc=[f"other{i}@company{i % 5000}.example"])
            else:
                kwargs.update(sender=REP, to=[person], cc=[rng.choice(COLLEAGUES)], label_ids=["SENT"])
        elif roll < 0.80:
            kwargs.update(sender=f"Stranger <s{i}@stranger{i % 700}.example>", to=[REP])
        elif roll < 0.90:
            kwargs.update(sender=rng.choice(COLLEAGUES), to=[REP])
        elif roll < 0.95:
            kwargs.update(sender=f"Family <f{i}@family.example>", to=[REP])
        else:
            if threads:
                kwargs["thread_id"] = rng.choice(threads)
            kwargs.update(sender=f"Person <{contact_address(rng.randrange(n_contacts))}>", to=[REP])
        message = box.add_message(**kwargs)
        if len(threads) < 2000:
            threads.append(message["threadId"])
    fake_gmail.serve(state, oauth, REP, ready)


def cpu_seconds(pid):
    """User + system CPU seconds a process has used (Linux /proc), or None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def seed_org(n_contacts):
    """Create the organisation, its 100,000 contacts (in 5,000 companies), colleagues and a blocklist."""
    from threadbook.db import database, write_transaction
    from threadbook.matching import normalize_address
    from threadbook.models import BlockedAddress, Company, CompanyDomain, Contact, ContactAddress, Organization, User, utcnow

    now = utcnow()
    with write_transaction():
        org = Organization.create(name="Us", domain=ORG_DOMAIN)
        rep = User.create(org=org, google_sub="rep", email=REP, email_normalized=REP, role="admin")
        for address in COLLEAGUES:
            User.create(org=org, google_sub=address, email=address, email_normalized=normalize_address(address))
        BlockedAddress.create(org=org, user=None, pattern="family.example")
        companies = [{"org": org.id, "name": f"Company {n}", "name_lower": f"company {n}", "created_at": now, "updated_at": now} for n in range(5000)]
        for start in range(0, len(companies), 500):
            Company.insert_many(companies[start : start + 500]).execute()
        company_ids = [c.id for c in Company.select(Company.id).order_by(Company.id)]
        CompanyDomain.insert_many([{"org": org.id, "company": cid, "domain": f"company{n}.example"} for n, cid in enumerate(company_ids)]).execute()
    cursor = database.cursor()
    for start in range(0, n_contacts, 10_000):
        with write_transaction():
            rows = [
                {"org": org.id, "name": f"Person {n}", "name_lower": f"person {n}", "company": company_ids[n % 5000], "created_at": now, "updated_at": now}
                for n in range(start, min(n_contacts, start + 10_000))
            ]
            ids = []
            for chunk in range(0, len(rows), 500):
                ids.extend(cid for (cid,) in Contact.insert_many(rows[chunk : chunk + 500]).returning(Contact.id).tuples().execute())
            addresses = [
                {"org": org.id, "contact": cid, "email": contact_address(n), "email_normalized": contact_address(n), "is_primary": True}
                for n, cid in zip(range(start, start + len(ids)), ids, strict=True)
            ]
            for chunk in range(0, len(addresses), 500):
                ContactAddress.insert_many(addresses[chunk : chunk + 500]).execute()
    del cursor
    return org, rep


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--database-url", default=os.environ.get("THREADBOOK_BENCH_DATABASE_URL"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-labels", action="store_true", help="Skip adding Threadbook/Logged in Gmail (and replaying those label changes).")
    args = parser.parse_args()

    from cryptography.fernet import Fernet

    from threadbook import create_app, crypto
    from threadbook.db import database
    from threadbook.google.credentials import google_credentials
    from threadbook.google.gmail import Gmail
    from threadbook.migrations import upgrade
    from threadbook.models import Email, EmailParticipant, Mailbox
    from threadbook.sync.mailbox_sync import SyncSettings, sync_mailbox

    workdir = Path(tempfile.mkdtemp(prefix="threadbook-sync-bench-"))
    database_url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"

    receive, send = multiprocessing.Pipe(duplex=False)
    started = time.perf_counter()
    server = multiprocessing.Process(target=serve_fakes, args=(args.messages, args.contacts, args.seed, send), daemon=True)
    server.start()

    settings = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789",
        "ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "GOOGLE_CLIENT_IDS": ["threadbook-test.apps.googleusercontent.com"],
        "GOOGLE_CLIENT_SECRET": "test-client-secret",
        "SYNC_QUOTA_UNITS_PER_SECOND": 0,
        "SYNC_BACKFILL_DAYS": 90,
    }
    os.environ.setdefault("THREADBOOK_INSTANCE_PATH", str(workdir / "instance"))
    app = create_app(settings)
    with app.app_context():
        database.connect()
        upgrade()
        seed_start = time.perf_counter()
        org, rep = seed_org(args.contacts)
        seed_seconds = time.perf_counter() - seed_start
        while not receive.poll(1):
            if not server.is_alive():
                sys.exit("The fake Gmail process died while building the mailbox; see its error above.")
        fakes = receive.recv()
        root = f"http://127.0.0.1:{fakes['port']}/"
        app.config.update(GOOGLE_API_ROOT=root, GOOGLE_TOKEN_URI=root + "token", GOOGLE_REVOKE_URI=root + "revoke")
        mailbox = Mailbox.create(org=org, user=rep, kind="oauth", refresh_token=crypto.encrypt(fakes["refresh_token"]), status="active")
        print(
            f"setup: {args.contacts:,} contacts seeded in {seed_seconds:.1f}s; fake mailbox of {args.messages:,} messages ready after {time.perf_counter() - started:.1f}s"
        )

        gmail = Gmail(google_credentials(mailbox, rep, org), root)
        sync_settings = SyncSettings.from_config(app.config, label_messages=not args.no_labels)
        fake_cpu_before, own_before = cpu_seconds(server.pid), time.process_time()
        t0 = time.perf_counter()
        report = sync_mailbox(mailbox.id, settings=sync_settings, gmail=gmail)
        elapsed = time.perf_counter() - t0
        own_cpu, fake_cpu = time.process_time() - own_before, (cpu_seconds(server.pid) or 0) - (fake_cpu_before or 0)

        emails = Email.select().count()
        participants = EmailParticipant.select().count()
    server.terminate()

    skipped = report.skipped_internal + report.skipped_blocked + report.skipped_other
    print(
        f"database: {database_url.split(':', 1)[0]}; outcome: {report.outcome} ({report.mode}), {report.pages} page(s); labels {'off' if args.no_labels else 'on'}"
    )
    print(
        f"fetched {report.fetched:,}: stored {report.stored:,} ({report.matched:,} matched to contacts), skipped {skipped:,} "
        f"({report.skipped_internal:,} internal, {report.skipped_blocked:,} blocked); {emails:,} emails, {participants:,} participants"
    )
    print(f"sync wall time {elapsed:.2f}s; time in Gmail calls {gmail.api_seconds:.2f}s (overlapped with storing)")
    print(
        f"CPU: sync process {own_cpu:.2f}s ({own_cpu / max(report.fetched, 1) * 1e6:,.0f} us a message), fake Gmail process {fake_cpu:.2f}s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    print(f"ingest: {report.fetched / elapsed:,.0f} messages fetched and classified per second")
    print(f"ingest: {report.stored / elapsed:,.0f} messages matched and stored per second (target >= 2,000)")
    print(
        json.dumps(
            {
                "stored_per_second": round(report.stored / elapsed),
                "fetched_per_second": round(report.fetched / elapsed),
                "messages": args.messages,
                "contacts": args.contacts,
            }
        )
    )


if __name__ == "__main__":
    main()
