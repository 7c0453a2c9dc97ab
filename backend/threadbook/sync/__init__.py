"""Automatic mail sync: connecting mailboxes, syncing them, Gmail labels, and fault handling.

The mailbox services the API calls:

- ``mailboxes``: a user's mailbox (status, sync now, pause, resume, disconnect) and every member's;
- ``connect_oauth``: connecting a user's own mailbox (authorisation code + PKCE);
- ``readdress``: switching the connected mailbox to another account the user owns (a renamed account is connect_oauth's);
- ``service_account``: the organisation's Workspace service account;
- ``connection``: the writes behind them (grants, disconnects, revocation) and ``MailboxRefused``;
- ``queueing``: asking the job queue for a sync (jobs/ holds the tasks and the schedule);
- ``blocklist``: addresses and domains whose mail is never stored.

Syncing one mailbox:

- ``mailbox_sync``: the run, under a lease: backfill, then incremental from Gmail's history;
- ``pages``: one page fetched, classified, labelled and committed with its resume position;
- ``history``: reading history records; ``due``: which mailboxes may sync now;
- ``reconcile``: the daily check of the last days' Gmail ids against what was stored, fetching the missing;
- ``skipped``: mail sync left out on purpose, by Gmail id (so reconciliation does not fetch it again);
- ``id_lookup``: which of many ids are in an indexed column;
- ``settings``: SyncSettings and SyncReport;
- ``gmail_reader``: the Gmail calls sync makes, with backoff and the per-mailbox quota;
- ``labels``: the deal sorting of threads into Threadbook/ labels (labels by id: mail/gmail_labels.py);
- ``label_rules``: labels the user takes off in Gmail, read from history: "stop" for that thread;
- ``label_cleanup``: Threadbook's labels out of Gmail when a mailbox disconnects, if the organisation chose it;
- ``lease``, ``backoff``, ``quota``: the parts those share.

IMAP mailboxes (non-Gmail accounts) are the ``imap`` sub-package: connecting, syncing by UIDVALIDITY/UID (docs/imap.md).
"""
