"""The mixed workload of bench/load.py for locust: lookups, thread logs and notes, as a rep's side panel sends them.

Run by bench/load.py (``locust --headless``), which passes through the
environment: ``THREADBOOK_LOAD_SESSION`` (the rep's Bearer header value),
``THREADBOOK_LOAD_GMAIL_TOKEN`` (an access token the fake Gmail accepts) and
``THREADBOOK_LOAD_THREADS`` (a file of Gmail thread ids, one a line, present
in that fake mailbox), ``THREADBOOK_LOAD_PAUSE`` (a user's mean pause between
actions in seconds, drawn from 0.5x to 1.5x of it; 0 or unset: no pause). Any
answer other than the one the API promises counts as a failure.
"""

import json
import os
import random
from pathlib import Path

import gevent
from locust import FastHttpUser, between, constant, task

from bench import load_dataset

SESSION = os.environ.get("THREADBOOK_LOAD_SESSION", "")
GMAIL_TOKEN = os.environ.get("THREADBOOK_LOAD_GMAIL_TOKEN", "")
THREADS_FILE = os.environ.get("THREADBOOK_LOAD_THREADS")
PAUSE = float(os.environ.get("THREADBOOK_LOAD_PAUSE") or 0)
THREAD_IDS = Path(THREADS_FILE).read_text().split() if THREADS_FILE else []
_bodies_rng = random.Random(7)
LOOKUP_BODIES = [json.dumps(load_dataset.participants(_bodies_rng)) for _ in range(500)]


class Rep(FastHttpUser):
    wait_time = between(PAUSE * 0.5, PAUSE * 1.5) if PAUSE > 0 else constant(0)

    def on_start(self):
        self.rng = random.Random()
        if PAUSE > 0:
            # Reps open their first thread at random moments, not all in the same millisecond: locust starts
            # every user at once, and that one burst of 64 requests was the whole of lookup's p99 at this pace.
            gevent.sleep(self.rng.uniform(0, PAUSE * 1.5))
        self.json_headers = {"Authorization": SESSION, "Content-Type": "application/json"}
        self.log_headers = {"Authorization": SESSION, "X-Google-Access-Token": GMAIL_TOKEN}

    def _expect(self, response, *statuses):
        if response.status_code not in statuses:
            response.failure(f"{response.status_code}: {(response.text or '')[:200]}")
        else:
            response.success()

    @task(6)
    def lookup(self):
        body = self.rng.choice(LOOKUP_BODIES)
        with self.client.post("/api/v1/lookup", data=body, headers=self.json_headers, name="lookup", catch_response=True) as response:
            self._expect(response, 200)

    @task(2)
    def log_thread(self):
        thread_id = self.rng.choice(THREAD_IDS)
        path = f"/api/v1/threads/{thread_id}/log"
        with self.client.post(path, headers=self.log_headers, name="log thread", catch_response=True) as response:
            self._expect(response, 200, 201)  # 201 the first time a thread is logged, 200 after

    @task(2)
    def add_note(self):
        body = json.dumps({"body": f"Called, left a message ({self.rng.random():.6f}).", "contact_id": self.rng.randrange(load_dataset.CONTACTS) + 1})
        with self.client.post("/api/v1/notes", data=body, headers=self.json_headers, name="note", catch_response=True) as response:
            self._expect(response, 201)
