"""Every ``threadbook`` command says which instance folder and database it uses, and refuses a database without tables.

Run as a real process, as a person runs them: the command line loads the app itself.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from threadbook.migrations import LATEST

ROOT = Path(__file__).resolve().parents[3]
SECRET = "command-test-secret-0123456789abcdef0123456789"


@pytest.fixture
def threadbook(tmp_path):
    """Run ``threadbook ARGS`` in another folder (tmp_path/elsewhere) against an instance folder in tmp_path."""
    instance = tmp_path / "instance"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("THREADBOOK_", "GOOGLE_"))}
    env.update(THREADBOOK_INSTANCE_PATH=str(instance), THREADBOOK_SECRET_KEY=SECRET, PYTHONPATH=str(ROOT / "backend"))

    def run(*args, **extra_env):
        return subprocess.run(
            [sys.executable, "-c", "from threadbook.cli import main; main()", *args],
            cwd=elsewhere,
            env={**env, **extra_env},
            capture_output=True,
            text=True,
            timeout=120,
        )

    run.database = instance / "threadbook.sqlite3"
    return run


def said_where(result, database):
    """The one stderr line naming the instance folder and the database."""
    lines = [line for line in result.stderr.splitlines() if "instance folder" in line and f"database sqlite:///{database}" in line]
    return len(lines) == 1


def test_a_command_refuses_a_missing_database_and_creates_nothing(threadbook):
    result = threadbook("create-org", "Acme")
    assert result.returncode == 4
    assert said_where(result, threadbook.database), result.stderr
    assert f"There is no database at {threadbook.database}" in result.stderr
    assert "run `threadbook init-db`" in result.stderr
    assert "Traceback" not in result.stderr
    assert not threadbook.database.exists()


def test_a_command_refuses_a_database_without_tables(threadbook):
    import sqlite3

    threadbook.database.parent.mkdir(parents=True)
    sqlite3.connect(threadbook.database).close()
    for command in (["create-org", "Acme"], ["add-user", "a@acme.example", "--org", "1"], ["worker"]):
        result = threadbook(*command)
        assert result.returncode == 4, (command, result.stderr)
        assert "has no tables: run `threadbook init-db`" in result.stderr


def test_init_db_then_commands_work_and_each_says_where(threadbook):
    result = threadbook("init-db")
    assert result.returncode == 0, result.stderr
    assert said_where(result, threadbook.database), result.stderr
    assert f"schema steps applied: [{LATEST}]" in result.stdout
    result = threadbook("create-org", "Acme", "--domain", "acme.example")
    assert result.returncode == 0, result.stderr
    assert said_where(result, threadbook.database), result.stderr
    assert "Created organisation 1 'Acme'" in result.stdout
    assert threadbook("seed-demo").returncode == 0


def test_help_needs_no_database(threadbook):
    result = threadbook("worker", "--help")
    assert result.returncode == 0
    assert "Run mail sync" in result.stdout
    assert not threadbook.database.exists()


def test_a_setting_the_server_refuses_is_a_message_not_a_traceback(threadbook):
    result = threadbook("init-db", THREADBOOK_SECRET_KEY="short")
    assert result.returncode == 1
    assert "Error: The session secret from THREADBOOK_SECRET_KEY is 5 characters" in result.stderr
    assert "threadbook doctor" in result.stderr
    assert "Traceback" not in result.stderr
