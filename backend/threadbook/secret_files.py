"""Keep a generated secret in instance/, created once even when several processes start together.

gunicorn's workers and the mail-sync worker all start by reading the session
secret (and later the encryption key). Creating the file and then writing it
let a process that lost the race read it in between: an empty key. Here the
secret is written whole to a temporary file in the same folder and then
hard-linked to its name; ``os.link`` fails when the name exists, so exactly
one process's secret becomes the file, already complete, and every other
process reads that one.
"""

import os
import tempfile
from pathlib import Path


def read_or_create(path, make):
    """Return the secret stored at ``path`` (stripped), first storing ``make()`` there if there is none."""
    path = Path(path)
    if not path.exists():
        _create(path, make())
    return path.read_text().strip()


def _create(path, secret):
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(fd, "w") as f:
            f.write(secret)
            f.flush()
            os.fsync(f.fileno())  # whole on disk before anyone can open it by name
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process linked its secret first: that one is the secret
    finally:
        os.unlink(temporary)
