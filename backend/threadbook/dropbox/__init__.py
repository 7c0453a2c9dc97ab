"""The BCC dropbox: an SMTP server that logs mail a user copies to their own dropbox address.

Each user has the address ``<dropbox_token>@<THREADBOOK_DROPBOX_DOMAIN>``
(``addresses.py``). ``threadbook dropbox`` (``cli.py``) runs the server
(``server.py``, aiosmtpd), which refuses mail for unknown addresses, from
anyone but the address's user, too large or malformed, and hands the rest to
``ingest.py``: one transaction logs the message (source "dropbox",
idempotent by Message-ID) and creates contacts for unknown external
recipients. See docs/calendar-dropbox-sending.md.
"""
