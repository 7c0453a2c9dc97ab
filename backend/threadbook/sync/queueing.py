"""Ask the job queue for a mailbox sync: the one place the sync services queue work.

Two cases. ``queue_sync`` is the work a person asked for ("Sync now"): if the
queue does not answer it raises ``QueueUnavailable`` (answered 503), so nobody
is told "queued" when nothing was. ``queue_sync_soon`` is a follow-up to an
action already saved (connecting, resuming, a new service-account key): that
action stands, and the sync it would have started is not lost either, since
the worker's periodic schedule (jobs/tasks.py, every 5 minutes) queues every
mailbox due once the queue answers again; so it only logs.
"""

import logging

from threadbook.jobs import queue

log = logging.getLogger(__name__)


def queue_sync(mailbox_id):
    """Queue a sync of one mailbox now; ``QueueUnavailable`` when the queue does not answer."""
    queue.enqueue("sync_mailbox", mailbox_id)


def queue_sync_soon(mailbox_id):
    """Queue a sync after an action that is already saved; a queue that is down leaves it to the periodic schedule."""
    try:
        queue.enqueue("sync_mailbox", mailbox_id)
    except queue.QueueUnavailable as exc:
        log.warning("mailbox %s: sync not queued (%s); the periodic schedule queues it when the queue answers again", mailbox_id, exc)
    except Exception:
        log.exception("could not queue a sync of mailbox %s", mailbox_id)


def queue_push_sync(mailbox_id, history_id):
    """Queue the sync a Gmail push asked for; a queue that is down raises, so Pub/Sub delivers the push again."""
    queue.enqueue("push_sync", mailbox_id, history_id)
