"""Automatic mail sync: the task queue, per-mailbox sync, Gmail labels, and fault handling.

- ``queue``: the huey instance (SQLite under instance/, or Redis) and its configuration;
- ``tasks``: huey tasks and the periodic schedule (sync every few minutes, labels every 10);
- ``mailbox_sync``: backfill and incremental sync of one mailbox, under a lease;
- ``gmail_reader``: the Gmail calls sync makes, with backoff and the per-mailbox quota;
- ``filters``: which messages are stored (colleagues, blocklist);
- ``labels``: the Threadbook/ labels in Gmail and the deal sorting;
- ``credentials``, ``lease``, ``backoff``, ``quota``: the parts those share.
"""
