"""IMAP mailboxes (non-Gmail accounts): connecting, syncing INBOX and Sent by UIDVALIDITY/UID into the mail store.

- ``client``: the one door to IMAP servers (imaplib): TLS, login, folders, UID search and fetch, failures as ``ImapFailure``;
- ``messages``: raw messages → the Gmail-shaped resources the mail store and filters read;
- ``sync``: one run over one account, batch by batch, each committed with its folder's UID high-water mark;
- ``due``: whether an account may sync, and whether it is due (the interval, the back-off after failures);
- ``accounts``: the services the API calls (connect, change, remove, sync now, administrators' view);
- ``lease``: one run per account at a time.

docs/imap.md describes the behaviour.
"""
