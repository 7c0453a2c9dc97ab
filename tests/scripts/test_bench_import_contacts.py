"""bench/import_contacts.py runs end to end on a small file: it serves gunicorn, imports, re-imports and prints its figures.

`make bench` is not part of `make test`, so a benchmark that stopped starting
(this one did, when bench/lookup_http.start_gunicorn came to take a database
URL) went unseen; this keeps its whole path running, without timing anything.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_import_benchmark_runs_and_reports_every_row(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "bench.import_contacts", "--rows", "300", "--baseline", "0.5", "--keep", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Import of 300 rows" in done.stdout and "5xx 0" in done.stdout, done.stdout
