"""Ask the job queue for a mailbox sync: the one place the sync services queue work."""

import logging

from threadbook.jobs import queue

log = logging.getLogger(__name__)


def queue_sync(mailbox_id):
    """Queue a sync of one mailbox; a queue that is down must not fail the request that asked."""
    try:
        queue.enqueue("sync_mailbox", mailbox_id)
    except Exception:
        log.exception("could not queue a sync of mailbox %s", mailbox_id)


def queue_push_sync(mailbox_id, history_id):
    """Queue the sync a Gmail push asked for; a queue that is down raises, so Pub/Sub delivers the push again."""
    queue.enqueue("push_sync", mailbox_id, history_id)
