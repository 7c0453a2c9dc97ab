"""The API's writes go on while ``threadbook import-contacts`` runs: none fails, none waits long.

SQLite lets one writer at a time hold the database; an import used to hold it
for seconds at a stretch, so every write through the API waited its 10 s busy
timeout and failed with 500 ("database is locked"). The app runs here in a
real threaded HTTP server, the import in its own process through the real
command, and a client posts notes all the while (bench/import_contacts.py
measures the same at 100,000 rows).
"""

import os
import subprocess
import sys
import threading
import time

import pytest
import requests

from threadbook.crm.store import create_contact
from threadbook.db import write_transaction
from threadbook.models import Contact, Note

from ...conftest import TEST_SECRET
from ...fakes.server import ServerThread

ROWS = 20_000


@pytest.fixture
def database_url(sqlite_url):
    """SQLite only: the engine where writers wait for each other."""
    return sqlite_url


def test_notes_are_saved_during_an_import(app, factory, db, tmp_path):
    org = factory.org(name="Acme", domain="us.example")
    admin = factory.user(org, email="admin@us.example", role="admin")
    with write_transaction():
        contact = create_contact(org.id, "Noted", ["noted@client.example"])
    csv_file = tmp_path / "contacts.csv"
    csv_file.write_text("email,name,company\n" + "".join(f"p{n}@firm{n % 500}.example,Person {n},Firm {n % 500}\n" for n in range(ROWS)))
    headers = factory.headers(admin)
    results, stop = [], threading.Event()

    def post_notes(url):
        with requests.Session() as session:
            n = 0
            while not stop.is_set():
                started = time.perf_counter()
                response = session.post(f"{url}/api/v1/notes", json={"contact_id": contact.id, "body": f"note {n}"}, headers=headers, timeout=60)
                results.append((time.perf_counter() - started, response.status_code))
                n += 1

    env = {**os.environ, "THREADBOOK_DATABASE_URL": app.config["DATABASE_URL"], "THREADBOOK_SECRET_KEY": TEST_SECRET}
    command = [sys.executable, "-c", "from threadbook.cli import main; main()", "import-contacts", str(csv_file), "--org", str(org.id)]
    with ServerThread(app) as server:
        writer = threading.Thread(target=post_notes, args=(server.url,))
        writer.start()
        try:
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        finally:
            stop.set()
            writer.join()

    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Imported {ROWS} of {ROWS} row(s)" in done.stdout
    assert Contact.select().where(Contact.org == org.id).count() == ROWS + 1
    statuses = sorted({status for _, status in results})
    assert statuses == [201], f"answers other than 201 during the import: {statuses}"
    assert len(results) >= 20 and Note.select().count() == len(results)
    slowest = max(seconds for seconds, _ in results)
    assert slowest < 2.0, f"a note waited {slowest:.2f} s for the import"  # the old import: 10 s, then a 500
