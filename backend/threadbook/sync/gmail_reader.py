"""The Gmail calls mail sync makes, each paced by the mailbox's quota bucket and retried with backoff."""

from threadbook.google.errors import NotFound, RateLimited, Unavailable
from threadbook.google.gmail import METADATA_HEADERS
from threadbook.mail import gmail_labels
from threadbook.sync.quota import UNITS

SYNC_HEADERS = METADATA_HEADERS + ("Bcc",)  # Bcc shows in the sender's copy of sent mail
HISTORY_TYPES = ("messageAdded", "messageDeleted", "labelAdded", "labelRemoved")
BATCH_SIZE = 100


class SyncGmail:
    """A Gmail client for one sync run: quota first, then the call, retried when transient."""

    def __init__(self, gmail, bucket, backoff, batch_size=BATCH_SIZE):
        self.gmail = gmail
        self.bucket = bucket
        self.backoff = backoff
        self.batch_size = min(batch_size, BATCH_SIZE)
        self._label_ids = {}
        self.label_changes = {}  # {name: (Gmail id, created)} not yet stored

    def _call(self, method, fn, *args, units=None, **kwargs):
        def attempt():
            self.bucket.take(units if units is not None else UNITS[method])
            return fn(*args, **kwargs)

        return self.backoff.call(attempt)

    def profile(self):
        return self._call("getProfile", self.gmail.get_profile)

    def list_messages(self, query, page_token=None, max_results=500):
        return self._call("messages.list", self.gmail.list_messages, query=query, page_token=page_token, max_results=max_results)

    def list_history(self, start_history_id, page_token=None, max_results=500):
        return self._call(
            "history.list", self.gmail.list_history, start_history_id, page_token=page_token, history_types=HISTORY_TYPES, max_results=max_results
        )

    def fetch_messages(self, message_ids, full=False):
        """Return the message resources for ``message_ids`` (gone ones left out), in batches.

        A batch whose parts are rate limited is retried for those parts only,
        under the same backoff as whole calls.
        """
        fmt = "full" if full else "metadata"
        found = {}
        for start in range(0, len(message_ids), self.batch_size):
            pending = list(message_ids[start : start + self.batch_size])
            attempt = 0
            while pending:
                units = UNITS["messages.get"] * len(pending)
                results = self._call("messages.get", self.gmail.get_messages, pending, format=fmt, metadata_headers=SYNC_HEADERS, units=units)
                retry = []
                for message_id in pending:
                    value = results[message_id]
                    if isinstance(value, dict):
                        found[message_id] = value
                    elif isinstance(value, NotFound):
                        continue  # deleted since it was listed
                    elif isinstance(value, (RateLimited, Unavailable)):
                        retry.append((message_id, value))
                    else:
                        raise value
                if retry:
                    # Only the refused parts go again, after the same backoff as a whole call.
                    self.backoff.pause(attempt, retry[0][1])
                    attempt += 1
                pending = [message_id for message_id, _ in retry]
        return [found[m] for m in message_ids if m in found]

    # -- labels (mail.gmail_labels resolves Threadbook's names through these) --------------
    def list_labels(self):
        return self._call("labels.list", self.gmail.list_labels)

    def create_label(self, name):
        return self._call("labels.create", self.gmail.create_label, name)

    def label_ids(self, user, names):
        """Return {Threadbook name: Gmail id} for ``names``, resolved once per run (one labels.list).

        Ids found or created are kept in ``label_changes`` until the caller stores them
        (``gmail_labels.remember``, in its own transaction): this may run in a prefetch thread.
        """
        missing = [name for name in names if name not in self._label_ids]
        if missing:
            found, changed = gmail_labels.resolve(self, user, missing)
            self._label_ids.update(found)
            self.label_changes.update(changed)
        return {name: self._label_ids[name] for name in names}

    def take_label_changes(self):
        changes, self.label_changes = self.label_changes, {}
        return changes

    def add_labels_to_messages(self, message_ids, label_ids):
        """Add ``label_ids`` to the messages, 1,000 a call; messages gone meanwhile are left out.

        Gmail refuses a whole batchModify for one unknown id (400 "Invalid id value"):
        then each message of that chunk is labelled on its own, skipping the missing.
        """
        for start in range(0, len(message_ids), 1000):
            chunk = message_ids[start : start + 1000]
            try:
                self._call("messages.batchModify", self.gmail.batch_modify_messages, chunk, add_label_ids=list(label_ids))
            except NotFound:
                for message_id in chunk:
                    try:
                        self._call("messages.modify", self.gmail.modify_message, message_id, add_label_ids=list(label_ids))
                    except NotFound:
                        continue  # deleted since it was fetched

    def modify_thread(self, thread_id, add=(), remove=()):
        return self._call("threads.modify", self.gmail.modify_thread, thread_id, add_label_ids=add, remove_label_ids=remove)
