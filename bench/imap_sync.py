"""Benchmark IMAP sync: a first sync of a 10,000-message Dovecot Maildir, messages per second, matched and stored.

    .venv/bin/python -m bench.imap_sync [--messages 10000] [--contacts 10000] [--database-url URL]

A real Dovecot (tests/imap_server.py: Debian's dovecot-imapd, on a temporary
directory and free ports) serves one user whose INBOX is written directly as
Maildir files (60% from a known contact, 25% from strangers, 10% internal, 5%
newsletters with List-Unsubscribe), all from the last 60 days. Dovecot indexes
the folder once before the clock starts (as a server already holding the mail
would have). Then ``sync_account`` runs exactly as a worker does, over
STARTTLS: UID SEARCH, header blocks in batches of 200, the filters, the whole
message of each kept one, storing through the mail store, each batch committed
with the folder's high-water mark. Prints the figures.
"""

import argparse
import email.utils
import os
import random
import tempfile
import time
from pathlib import Path

ORG_DOMAIN = "us.example"
REP = f"rep@{ORG_DOMAIN}"


def contact_address(n):
    return f"person{n}@company{n % 2000}.example"


def write_maildir(server, user, n_messages, n_contacts, seed):
    """Write ``n_messages`` into the user's INBOX as Maildir files; return how long it took."""
    rng = random.Random(seed)
    started = time.perf_counter()
    cur = os.path.join(server.maildir(user), "cur")
    now = time.time()
    for i in range(n_messages):
        roll = rng.random()
        extra = ""
        if roll < 0.60:
            sender, to = contact_address(rng.randrange(n_contacts)), REP
        elif roll < 0.85:
            sender, to = f"stranger{i}@elsewhere{i % 97}.example", REP
        elif roll < 0.95:
            sender, to = f"colleague{i % 10}@{ORG_DOMAIN}", REP
        else:
            sender, to, extra = f"news@shop{i % 13}.example", REP, "List-Unsubscribe: <mailto:unsubscribe@shop.example>\r\n"
        stamp = now - 60 * 86400 + i * (59 * 86400 / n_messages)
        body = f"Hello,\r\n\r\nMessage number {i} about the proposal.\r\n\r\nRegards\r\n"
        raw = (
            f"From: Person {i} <{sender}>\r\nTo: {to}\r\nSubject: Message {i}\r\nDate: {email.utils.formatdate(stamp)}\r\n"
            f"Message-ID: <bench.{i}@{sender.split('@')[1]}>\r\n{extra}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}"
        ).encode()
        name = f"{int(stamp)}.M{i}P{os.getpid()}.bench,S={len(raw)}:2,S"
        with open(os.path.join(cur, name), "wb") as f:
            f.write(raw)
        os.utime(os.path.join(cur, name), (stamp, stamp))
    server.chown_mail()
    return time.perf_counter() - started


def seed_org(n_contacts):
    from threadbook.matching import normalize_address
    from threadbook.models import Contact, ContactAddress, Organization, User

    org = Organization.create(name="Bench", domain=ORG_DOMAIN, is_personal=False)
    rep = User.create(org=org, google_sub="bench-rep", email=REP, email_normalized=REP, name="Rep", role="admin")
    for n in range(10):
        address = f"colleague{n}@{ORG_DOMAIN}"
        User.create(org=org, google_sub=f"bench-{n}", email=address, email_normalized=address, name=f"Colleague {n}")
    for start in range(0, n_contacts, 500):
        rows = [{"org": org.id, "owner": rep.id, "name": f"Person {n}", "name_lower": f"person {n}"} for n in range(start, min(n_contacts, start + 500))]
        ids = [cid for (cid,) in Contact.insert_many(rows).returning(Contact.id).tuples().execute()]
        addresses = [
            {"org": org.id, "contact": cid, "email": contact_address(n), "email_normalized": normalize_address(contact_address(n))}
            for n, cid in zip(range(start, start + len(ids)), ids, strict=True)
        ]
        ContactAddress.insert_many(addresses).execute()
    return org, rep


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--database-url", default=os.environ.get("THREADBOOK_BENCH_DATABASE_URL"))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    import imaplib

    from cryptography.fernet import Fernet

    from tests import imap_server
    from threadbook import create_app, crypto
    from threadbook.db import database
    from threadbook.migrations import upgrade
    from threadbook.models import Email, ImapAccount
    from threadbook.sync.imap.sync import ImapSyncSettings, sync_account

    if not imap_server.available():
        raise SystemExit(imap_server.SKIP_REASON)
    workdir = Path(tempfile.mkdtemp(prefix="threadbook-imap-bench-"))
    database_url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ.setdefault("THREADBOOK_INSTANCE_PATH", str(workdir / "instance"))
    with imap_server.DovecotServer() as server:
        server.add_user("rep", "bench-password")
        written = write_maildir(server, "rep", args.messages, args.contacts, args.seed)
        started = time.perf_counter()
        conn = imaplib.IMAP4("127.0.0.1", server.port)
        conn.login("rep", "bench-password")
        conn.select("INBOX", readonly=True)
        conn.logout()
        indexed = time.perf_counter() - started
        print(f"setup: {args.messages:,} Maildir files written in {written:.1f}s; Dovecot indexed them in {indexed:.1f}s")

        app = create_app(
            {
                "DATABASE_URL": database_url,
                "SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789",
                "ENCRYPTION_KEY": Fernet.generate_key().decode(),
                "IMAP_CA_FILE": server.cert_path,
                "IMAP_ALLOW_PRIVATE_HOSTS": True,
                "SYNC_BACKFILL_DAYS": 90,
            }
        )
        with app.app_context():
            database.connect()
            upgrade()
            org, rep = seed_org(args.contacts)
            account = ImapAccount.create(
                org=org, user=rep, host="127.0.0.1", port=server.port, tls="starttls", username="rep", password=crypto.encrypt("bench-password")
            )
            t0, cpu0 = time.perf_counter(), time.process_time()
            report = sync_account(account.id, ImapSyncSettings.from_config(app.config))
            elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
            emails = Email.select().count()
    skipped = report.skipped_internal + report.skipped_blocked + report.skipped_automated + report.skipped_other
    print(f"database: {database_url.split(':', 1)[0]}; outcome: {report.outcome}, {report.batches} batch(es) of up to 200")
    print(
        f"fetched {report.fetched:,}: stored {report.stored:,} ({report.matched:,} matched to contacts), skipped {skipped:,} "
        f"({report.skipped_internal:,} internal, {report.skipped_automated:,} automated); {emails:,} Email rows"
    )
    print(
        f"first sync: {elapsed:.2f}s, {report.fetched / elapsed:,.0f} messages/s fetched ({report.stored / elapsed:,.0f} stored/s); this process's CPU {cpu:.2f}s"
    )


if __name__ == "__main__":
    main()
