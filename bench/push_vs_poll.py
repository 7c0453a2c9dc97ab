"""Benchmark Gmail push against polling: Gmail quota units per hour and the delay from a message to the CRM.

    .venv/bin/python -m bench.push_vs_poll [--mailboxes 1000] [--messages 2000] [--speedup 36]

``--mailboxes`` connected mailboxes in one organisation receive ``--messages``
new messages at random moments of one hour, served by the tests' fake Gmail,
token endpoint, Google certificates and Pub/Sub (tests/fakes/), in this process.

- **Polling** (push off): the schedule's round every 5 minutes (jobs/tasks.py
  ``SYNC_EVERY``) syncs every mailbox, for real, twelve times. A message's
  delay is the simulated wait from its arrival to the next round plus the real
  seconds that round took to reach its mailbox.
- **Push**: every mailbox is watched (users.watch, for real), the same
  messages arrive in real time sped up ``--speedup`` times, and each goes
  Gmail → Pub/Sub → ``POST /api/v1/gmail/push`` (a real HTTP server, the OIDC
  token verified) → the push's sync → stored; its delay is measured on the
  clock. The CRM's own labelling is a change Gmail pushes too, so those extra
  syncs are counted. Added: the hourly safety poll of watched mailboxes (one
  real round) and the daily watch renewal (100 units a mailbox, a 24th of it
  per hour). Google's own delay before it publishes is not in the figure.

Units are counted as sync/quota.py counts them (history.list 2, messages.get 5
each, batchModify 50, watch 100…), with the quota bucket off.
"""

import argparse
import datetime
import logging
import os
import random
import statistics
import tempfile
import threading
import time
from pathlib import Path

from bench.reconcile import count_quota

ORG_DOMAIN = "us.example"
TOPIC = "projects/threadbook-bench/topics/gmail"
AUDIENCE = "https://crm.us.example/api/v1/gmail/push"
PUSHER = "gmail-push@threadbook-bench.iam.gserviceaccount.com"
POLL_EVERY = 300

logging.getLogger("werkzeug").setLevel(logging.ERROR)
logging.getLogger("threadbook").setLevel(logging.WARNING)
logging.getLogger("huey").setLevel(logging.WARNING)


def start_fakes():
    """Fake Gmail + token endpoint on one port, fake Google certificates on another; return (state, oauth, identity, root, certs_url)."""
    from tests.fakes.gmail import create_app
    from tests.fakes.gmail_store import GmailState
    from tests.fakes.google_identity import FakeGoogleIdentity
    from tests.fakes.google_oauth import FakeGoogleOAuth
    from tests.fakes.pubsub import FakePubSub
    from tests.fakes.server import ServerThread

    state, oauth, identity = GmailState(), FakeGoogleOAuth(), FakeGoogleIdentity()
    oauth.on_access_token = lambda token, email, scopes: state.grant(token, email, scopes=["gmail.modify"])
    gmail_app = create_app(state)

    def dispatch(environ, start_response):
        target = oauth.app if environ.get("PATH_INFO", "") in ("/token", "/revoke") else gmail_app
        return target(environ, start_response)

    gmail_server = ServerThread(dispatch).start()
    identity_server = ServerThread(identity.app).start()
    state.pubsub = FakePubSub(identity)
    return state, oauth, identity, gmail_server.url + "/", identity_server.url + "/oauth2/v1/certs"


def arrivals(n_mailboxes, n_messages, seed):
    """(second of the hour, mailbox index) for each new message, in time order."""
    rng = random.Random(seed)
    return sorted((rng.uniform(0, 3600), rng.randrange(n_mailboxes)) for _ in range(n_messages))


class StoredWatcher:
    """Note when each (user, Gmail message id) first appears in the CRM (a thread polling the database every 10 ms).

    Gmail's ids are per mailbox (the fake numbers each mailbox's from the same start), hence the user.
    """

    def __init__(self, app):
        self.app, self.seen, self.stop = app, {}, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        from threadbook.db import database
        from threadbook.models import MailboxMessage

        last = 0
        with self.app.app_context():
            database.connect(reuse_if_open=True)
            while not self.stop.is_set():
                query = MailboxMessage.select(MailboxMessage.id, MailboxMessage.user, MailboxMessage.gmail_message_id).where(MailboxMessage.id > last)
                rows = list(query.order_by(MailboxMessage.id))
                now = time.monotonic()
                for row in rows:
                    self.seen.setdefault((row.user_id, row.gmail_message_id), now)
                    last = row.id
                time.sleep(0.01)
            database.close()


def percentile(values, fraction):
    values = sorted(values)
    return values[min(len(values) - 1, int(fraction * len(values)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mailboxes", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--speedup", type=float, default=36.0, help="push phase: the hour replayed this many times faster")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()

    from cryptography.fernet import Fernet

    from tests.fakes.server import ServerThread
    from threadbook import create_app, crypto
    from threadbook.db import database, write_transaction
    from threadbook.migrations import upgrade
    from threadbook.models import GmailWatch, Mailbox, Organization, User
    from threadbook.sync.due import mailboxes_due
    from threadbook.sync.mailbox_sync import SyncSettings, sync_mailbox
    from threadbook.sync.quota import UNITS
    from threadbook.sync.watch import renew_watch

    state, oauth, identity, root, certs_url = start_fakes()
    workdir = Path(tempfile.mkdtemp(prefix="threadbook-push-bench-"))
    os.environ.setdefault("THREADBOOK_INSTANCE_PATH", str(workdir / "instance"))
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
            "SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789",
            "ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "GOOGLE_CLIENT_IDS": ["threadbook-test.apps.googleusercontent.com"],
            "GOOGLE_CLIENT_SECRET": "test-client-secret",
            "GOOGLE_API_ROOT": root,
            "GOOGLE_TOKEN_URI": root + "token",
            "GOOGLE_REVOKE_URI": root + "revoke",
            "GOOGLE_CERTS_URL": certs_url,
            "SYNC_QUOTA_UNITS_PER_SECOND": 0,
            "QUEUE_IMMEDIATE": True,
            "RATELIMIT_ENABLED": False,
        }
    )
    addresses = [f"rep{i}@{ORG_DOMAIN}" for i in range(args.mailboxes)]
    boxes = [state.add_mailbox(a) for a in addresses]
    plan = arrivals(args.mailboxes, args.messages, args.seed)
    settings = SyncSettings.from_config(app.config)
    spent = count_quota()

    def units():
        return sum(u for _, u in spent.values())

    def sync_round(ids):
        """Sync each mailbox once; return {mailbox id: monotonic time its sync finished}."""
        done = {}
        for mailbox_id in ids:
            sync_mailbox(mailbox_id, settings=settings)
            done[mailbox_id] = time.monotonic()
        return done

    with app.app_context():
        database.connect()
        upgrade()
        with write_transaction():
            org = Organization.create(name="Us", domain=ORG_DOMAIN)
            mailbox_ids, user_ids = [], []
            for i, address in enumerate(addresses):
                user = User.create(org=org, google_sub=f"sub{i}", email=address, email_normalized=address)
                user_ids.append(user.id)
                token = crypto.encrypt(oauth.grant_refresh_token(address))
                mailbox_ids.append(Mailbox.create(org=org, user=user, kind="oauth", refresh_token=token, status="active").id)
        t0 = time.perf_counter()
        sync_round(mailbox_ids)
        print(
            f"setup: {args.mailboxes:,} mailboxes connected and backfilled in {time.perf_counter() - t0:.1f} s; {args.messages:,} messages to arrive in the hour"
        )

        # -- polling: twelve rounds, messages arriving between them ---------------------------
        spent.clear()
        delays, pending, started = [], list(plan), time.perf_counter()
        for tick in range(1, 3600 // POLL_EVERY + 1):
            arrived = []
            while pending and pending[0][0] <= tick * POLL_EVERY:
                second, index = pending.pop(0)
                arrived.append(
                    (second, mailbox_ids[index], boxes[index].add_message(sender=f"Buyer <b{index}@customer{index % 97}.example>", to=[addresses[index]]))
                )
            round_start = time.monotonic()
            finished = sync_round(mailboxes_due())
            delays.extend(tick * POLL_EVERY - second + (finished[mailbox_id] - round_start) for second, mailbox_id, _ in arrived)
        poll_units, poll_seconds = units(), time.perf_counter() - started
        print(f"polling: 12 rounds of {args.mailboxes:,} syncs took {poll_seconds:.1f} s of work")

        # -- push ------------------------------------------------------------------------------
        with ServerThread(app) as backend:
            state.pubsub.create_topic(TOPIC, backend.url + "/api/v1/gmail/push", AUDIENCE, PUSHER)
            app.config.update(GMAIL_PUSH_TOPIC=TOPIC, GMAIL_PUSH_AUDIENCE=AUDIENCE, GMAIL_PUSH_SERVICE_ACCOUNT=PUSHER)
            outcomes = [renew_watch(m) for m in mailbox_ids]
            assert outcomes.count("watching") == len(mailbox_ids), outcomes[:5]
            watch_units_per_hour = len(mailbox_ids) * UNITS["watch"] / 24  # renewed once a day

            spent.clear()
            watcher = StoredWatcher(app)
            watcher.thread.start()
            sent, replay_start = {}, time.monotonic()
            for second, index in plan:
                wait = replay_start + second / args.speedup - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                message = boxes[index].add_message(sender=f"Buyer <b{index}@customer{index % 97}.example>", to=[addresses[index]])
                sent[(user_ids[index], message["id"])] = time.monotonic()
            deadline = time.monotonic() + 120
            while len([m for m in sent if m in watcher.seen]) < len(sent) and time.monotonic() < deadline:
                time.sleep(0.05)
            state.pubsub.wait_for(lambda ds: all(d.attempts for d in ds), timeout=120)
            watcher.stop.set()
            push_sync_units = units()
            push_delays = [watcher.seen[m] - t for m, t in sent.items() if m in watcher.seen]
            lost = len(sent) - len(push_delays)
            deliveries = state.pubsub.deliveries

            # The hourly safety poll of watched mailboxes: one real round.
            spent.clear()
            with write_transaction():
                Mailbox.update(last_synced_at=datetime.datetime.utcnow() - datetime.timedelta(hours=2)).execute()
            safety = mailboxes_due(pushed_ones_hourly=True)
            sync_round(safety)
            safety_units = units()
            watching = GmailWatch.select().where(GmailWatch.error.is_null()).count()

    push_units = push_sync_units + safety_units + watch_units_per_hour
    print()
    print(f"{args.mailboxes:,} mailboxes, {args.messages:,} new messages in one hour")
    print(f"{'':28}{'Gmail units/hour':>18}{'median delay':>15}{'p95 delay':>12}")
    print(f"{'polling every 5 minutes':28}{poll_units:>18,.0f}{statistics.median(delays):>14.1f}s{percentile(delays, 0.95):>11.1f}s")
    print(f"{'push (Pub/Sub)':28}{push_units:>18,.0f}{statistics.median(push_delays):>14.2f}s{percentile(push_delays, 0.95):>11.2f}s")
    print(
        f"  push units: syncs {push_sync_units:,} ({len(deliveries):,} pushes, {len(deliveries) - args.messages:,} of them for the CRM's own labels), "
        f"hourly safety poll {safety_units:,} ({len(safety):,} mailboxes), watch renewals {watch_units_per_hour:,.0f} ({watching:,} watches)"
    )
    print(f"  push: {lost} message(s) not stored within 120 s; ratio polling/push units {poll_units / push_units:.1f}x")


if __name__ == "__main__":
    main()
