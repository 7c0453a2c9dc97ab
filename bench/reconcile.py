"""Benchmark reconciliation: Gmail quota units and seconds to check 10,000 messages and fetch the missing.

    .venv/bin/python -m bench.reconcile [--messages 10000] [--missing 100] [--days 7] [--database-url URL]

One mailbox of ``--messages`` messages from the last ``--days`` days (90%
from customers, 10% from colleagues, which sync leaves out), served by the
fake Gmail API and token endpoint in a separate process. The mailbox is first
synced from scratch; then ``--missing`` stored messages are forgotten, as if
Gmail's history had never reported them, and reconciliation runs exactly as
the daily job does (``reconcile_mailbox``: list ids with ``after:``, compare
with stored and skipped ids, fetch the missing through the sync page path).
A second run shows the steady state (nothing missing).

Quota units are counted as the project counts them for its pacing
(``sync/quota.py``: messages.list 5 a call, messages.get 5 a message — each
part of a batch counts —, batchModify 50, labels.list 1), call by call, with
the quota bucket itself off so the seconds are the pipeline's own.
"""

import argparse
import collections
import datetime
import logging
import multiprocessing
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from bench import fake_gmail

ORG_DOMAIN = "us.example"
REP = f"rep@{ORG_DOMAIN}"
COLLEAGUES = [f"colleague{i}@{ORG_DOMAIN}" for i in range(5)]

logging.getLogger("werkzeug").setLevel(logging.ERROR)


def serve_fakes(n_messages, days, seed, ready):
    """Run in a child process: build the mailbox and serve Gmail + the token endpoint on one port."""
    rng = random.Random(seed)
    state, box, oauth = fake_gmail.mailbox_with_grants(REP)
    now = datetime.datetime.now(datetime.UTC)
    span = (days * 86400 - 7200) / n_messages  # all inside the window, and before the last sync (reconcile.SYNC_MARGIN)
    for i in range(n_messages):
        kwargs = {"subject": f"Message {i}", "date": now - datetime.timedelta(seconds=900 + i * span), "body": "Short text."}
        if rng.random() < 0.9:
            kwargs.update(sender=f"Person <p{i}@company{i % 800}.example>", to=[REP])
        else:
            kwargs.update(sender=rng.choice(COLLEAGUES), to=[REP])
        box.add_message(**kwargs)
    fake_gmail.serve(state, oauth, REP, ready)


def count_quota():
    """Record the quota units of every Gmail call sync makes, by method: {method: [calls, units]}."""
    from threadbook.sync.gmail_reader import SyncGmail
    from threadbook.sync.quota import UNITS

    spent = collections.defaultdict(lambda: [0, 0])
    original = SyncGmail._call

    def counted(self, method, fn, *args, units=None, **kwargs):
        spent[method][0] += 1
        spent[method][1] += units if units is not None else UNITS[method]
        return original(self, method, fn, *args, units=units, **kwargs)

    SyncGmail._call = counted
    return spent


def forget_some(user_id, n, seed):
    """Forget ``n`` stored messages of the mailbox, as if history had never reported them; return their Gmail ids."""
    from threadbook.db import write_transaction
    from threadbook.models import Email, MailboxMessage

    rows = list(MailboxMessage.select(MailboxMessage.id, MailboxMessage.email, MailboxMessage.gmail_message_id).where(MailboxMessage.user == user_id))
    chosen = random.Random(seed).sample(rows, min(n, len(rows)))
    with write_transaction():
        MailboxMessage.delete().where(MailboxMessage.id.in_([r.id for r in chosen])).execute()
        Email.delete().where(Email.id.in_([r.email_id for r in chosen])).execute()
    return [r.gmail_message_id for r in chosen]


def show(title, report, seconds, spent):
    units = sum(u for _, u in spent.values())
    print(f"{title}: checked {report.checked:,}, missing {report.missing:,}, fetched {report.fetched:,}, stored {report.stored:,} ({report.outcome})")
    calls = ", ".join(f"{m} {c} request(s) = {u:,}" for m, (c, u) in sorted(spent.items()))
    print(f"  Gmail quota units: {units:,}  ({calls}; a batch is one request, each message in it 5 units)")
    print(f"  seconds: {seconds:.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--missing", type=int, default=100)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--database-url", default=os.environ.get("THREADBOOK_BENCH_DATABASE_URL"))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    from cryptography.fernet import Fernet

    from threadbook import create_app, crypto
    from threadbook.db import database, write_transaction
    from threadbook.google.credentials import google_credentials
    from threadbook.google.gmail import Gmail
    from threadbook.migrations import upgrade
    from threadbook.models import Mailbox, Organization, User
    from threadbook.sync.mailbox_sync import SyncSettings, sync_mailbox
    from threadbook.sync.reconcile import reconcile_mailbox

    workdir = Path(tempfile.mkdtemp(prefix="threadbook-reconcile-bench-"))
    receive, send = multiprocessing.Pipe(duplex=False)
    server = multiprocessing.Process(target=serve_fakes, args=(args.messages, args.days, args.seed, send), daemon=True)
    server.start()
    os.environ.setdefault("THREADBOOK_INSTANCE_PATH", str(workdir / "instance"))
    app = create_app(
        {
            "DATABASE_URL": args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}",
            "SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789",
            "ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "GOOGLE_CLIENT_IDS": ["threadbook-test.apps.googleusercontent.com"],
            "GOOGLE_CLIENT_SECRET": "test-client-secret",
            "SYNC_QUOTA_UNITS_PER_SECOND": 0,
            "SYNC_BACKFILL_DAYS": args.days + 1,
            "RECONCILE_DAYS": args.days,
        }
    )
    with app.app_context():
        database.connect()
        upgrade()
        with write_transaction():
            org = Organization.create(name="Us", domain=ORG_DOMAIN)
            rep = User.create(org=org, google_sub="rep", email=REP, email_normalized=REP, role="admin")
            for address in COLLEAGUES:
                User.create(org=org, google_sub=address, email=address, email_normalized=address)
        while not receive.poll(1):
            if not server.is_alive():
                sys.exit("The fake Gmail process died while building the mailbox; see its error above.")
        fakes = receive.recv()
        root = f"http://127.0.0.1:{fakes['port']}/"
        app.config.update(GOOGLE_API_ROOT=root, GOOGLE_TOKEN_URI=root + "token", GOOGLE_REVOKE_URI=root + "revoke")
        mailbox = Mailbox.create(org=org, user=rep, kind="oauth", refresh_token=crypto.encrypt(fakes["refresh_token"]), status="active")
        gmail = Gmail(google_credentials(mailbox, rep, org), root)
        settings = SyncSettings.from_config(app.config)

        t0 = time.perf_counter()
        synced = sync_mailbox(mailbox.id, settings=settings, gmail=gmail)
        print(
            f"setup: {args.messages:,} messages over {args.days} days; first sync stored {synced.stored:,} in {time.perf_counter() - t0:.1f}s ({synced.outcome})"
        )
        forgotten = forget_some(rep.id, args.missing, args.seed)
        print(f"setup: {len(forgotten):,} stored messages forgotten (as if history had missed them)")

        spent = count_quota()
        for title in ("reconciliation", "next day (nothing missing)"):
            spent.clear()
            t0 = time.perf_counter()
            report = reconcile_mailbox(mailbox.id, settings=settings, gmail=gmail)
            seconds = time.perf_counter() - t0
            show(title, report, seconds, spent)
    server.terminate()


if __name__ == "__main__":
    main()
