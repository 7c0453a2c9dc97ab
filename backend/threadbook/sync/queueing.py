"""Ask the job queue for a mailbox sync: the one place the sync services reach ``threadbook.jobs``."""

import logging

log = logging.getLogger(__name__)


def queue_sync(mailbox_id):
    """Queue a sync of one mailbox; a queue that is down must not fail the request that asked."""
    # jobs registers this service's tasks; imported here to avoid a cycle
    from threadbook.jobs import tasks

    try:
        tasks.enqueue_sync(mailbox_id)
    except Exception:
        log.exception("could not queue a sync of mailbox %s", mailbox_id)
