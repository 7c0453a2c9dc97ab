"""The queue's consumer: ``threadbook worker`` runs sync tasks and the periodic schedule.

Start as many as you like, on one machine (SQLite queue under instance/) or on
several sharing ``THREADBOOK_REDIS_URL``; the mailbox lease keeps each mailbox
in one worker at a time. ``huey_consumer threadbook.consumer.huey`` works
too. Ctrl-C (SIGINT) stops after the running tasks; SIGTERM stops at once,
which is safe: an interrupted page is simply synced again.
"""

import click
from flask import current_app
from flask.cli import with_appcontext

from threadbook.cli_support import announce
from threadbook.jobs import queue
from threadbook.jobs.tasks import bind_app


def make_consumer(app, workers=2, periodic=True):
    """Return a huey consumer for ``app``'s queue, with thread workers."""
    bind_app(app)
    return queue.huey.create_consumer(
        workers=workers, worker_type="thread", periodic=periodic, initial_delay=0.1, backoff=1.15, max_delay=2.0, check_worker_health=True
    )


@click.command("worker")
@click.option("--workers", "-w", default=2, show_default=True, help="Worker threads (each syncs one mailbox at a time).")
@click.option("--no-periodic", is_flag=True, help="Do not run the periodic schedule here (run it in one worker only if you like).")
@with_appcontext
def worker_command(workers, no_periodic):
    """Run mail sync: queued tasks, plus syncs every 5 minutes and label sorting every 10."""
    app = current_app._get_current_object()
    announce(app)
    consumer = make_consumer(app, workers=workers, periodic=not no_periodic)
    click.echo(f"Threadbook worker: {workers} thread(s), queue in {queue.storage_kind()} storage, periodic tasks {'off' if no_periodic else 'on'}.")
    consumer.run()
