"""Start-up configuration: secrets generated once and atomically, weak ones refused (the hostile-input issue)."""

import multiprocessing
import os
import stat
import threading

import pytest

from threadbook import config, crypto, secret_files
from threadbook.config import ConfigError

WORKERS = 24


def _race(generate, folder, parties, runner):
    """Call ``generate(folder)`` in ``parties`` processes or threads released at once; return what each read."""
    if runner == "processes":
        context = multiprocessing.get_context("fork")
        barrier, results = context.Barrier(parties), context.Queue()

        def run():
            barrier.wait()
            try:
                results.put(("ok", generate(folder)))
            except Exception as exc:  # reported, so a crash in a child fails the test with its reason
                results.put(("error", repr(exc)))

        children = [context.Process(target=run) for _ in range(parties)]
        for child in children:
            child.start()
        read = [results.get(timeout=60) for _ in children]
        for child in children:
            child.join(timeout=60)
        return read
    barrier, read, lock = threading.Barrier(parties), [], threading.Lock()

    def run():
        barrier.wait()
        try:
            outcome = ("ok", generate(folder))
        except Exception as exc:
            outcome = ("error", repr(exc))
        with lock:
            read.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(parties)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return read


def _session_secret(folder):
    return config._secret_key(folder)


def _encryption_key(folder):
    return crypto.generated_key(folder)


@pytest.mark.parametrize("runner", ["processes", "threads"])
@pytest.mark.parametrize(
    "generate, name", [(_session_secret, config.SECRET_KEY_FILE), (_encryption_key, crypto.KEY_FILE)], ids=["secret_key", "encryption_key"]
)
def test_concurrent_first_starts_all_read_one_complete_key(tmp_path, monkeypatch, generate, name, runner):
    monkeypatch.delenv("THREADBOOK_SECRET_KEY", raising=False)
    folder = tmp_path / "instance"  # not there yet: every party finds no key

    read = _race(generate, folder, WORKERS, runner)

    assert [outcome for outcome, _ in read] == ["ok"] * WORKERS, read
    keys = {key for _, key in read}
    assert len(keys) == 1
    [key] = keys
    assert len(key) >= 32 and (folder / name).read_text().strip() == key
    assert stat.S_IMODE(os.stat(folder / name).st_mode) == 0o600
    assert sorted(os.listdir(folder)) == [name]  # no temporary file left behind


def test_a_secret_is_never_visible_half_written(tmp_path):
    """While one process is still making its secret, the name does not exist; once it does, the secret is whole."""
    path, seen = tmp_path / "secret", []

    def slow_secret():
        seen.append(path.exists())
        return "s" * 64

    assert secret_files.read_or_create(path, slow_secret) == "s" * 64
    assert seen == [False]
    assert secret_files.read_or_create(path, lambda: "another") == "s" * 64  # the first one stays


@pytest.mark.parametrize("value", ["", "   ", "short", "x" * 31])
def test_a_weak_secret_from_the_environment_refuses_to_start(monkeypatch, value):
    from threadbook import create_app

    monkeypatch.setenv("THREADBOOK_SECRET_KEY", value)
    with pytest.raises(ConfigError) as raised:
        create_app()
    assert "THREADBOOK_SECRET_KEY" in str(raised.value) and "at least 32 characters" in str(raised.value)


@pytest.mark.parametrize("content", ["", "\n", "abc"])
def test_an_empty_or_short_generated_secret_file_refuses_to_start(tmp_path, monkeypatch, content):
    """What the old race left behind: an empty instance/secret_key."""
    from threadbook import create_app

    monkeypatch.delenv("THREADBOOK_SECRET_KEY", raising=False)
    monkeypatch.setenv("THREADBOOK_INSTANCE_PATH", str(tmp_path))
    (tmp_path / config.SECRET_KEY_FILE).write_text(content)
    with pytest.raises(ConfigError) as raised:
        create_app()
    assert str(tmp_path / config.SECRET_KEY_FILE) in str(raised.value)


def test_a_weak_secret_passed_to_create_app_refuses_to_start(sqlite_url):
    from threadbook import create_app

    with pytest.raises(ConfigError):
        create_app({"DATABASE_URL": sqlite_url, "SECRET_KEY": "short"})


@pytest.mark.parametrize("key", ["short", ", ,"])
def test_a_weak_encryption_key_refuses_to_start(sqlite_url, key):
    from threadbook import create_app

    with pytest.raises(ConfigError) as raised:
        create_app({"DATABASE_URL": sqlite_url, "ENCRYPTION_KEY": key})
    assert "THREADBOOK_ENCRYPTION_KEY" in str(raised.value)


def test_an_empty_generated_encryption_key_file_refuses_to_start(tmp_path, monkeypatch, sqlite_url):
    from threadbook import create_app

    monkeypatch.setenv("THREADBOOK_INSTANCE_PATH", str(tmp_path))
    (tmp_path / crypto.KEY_FILE).write_text("")
    with pytest.raises(ConfigError) as raised:
        create_app({"DATABASE_URL": sqlite_url})
    assert crypto.KEY_FILE in str(raised.value) and "empty" in str(raised.value)


# The instance folder (the hostile-input issue): it followed the working directory, so gunicorn
# (which changes into backend/) and the worker started from the root used two databases, queues and keys.

ROOT = config.PROJECT_ROOT


@pytest.mark.parametrize("cwd", ["tmp", "backend", "root"])
def test_the_default_instance_folder_is_the_project_roots_whatever_the_working_directory(tmp_path, monkeypatch, sqlite_url, caplog, cwd):
    from threadbook import create_app

    monkeypatch.delenv("THREADBOOK_INSTANCE_PATH")
    monkeypatch.setenv("THREADBOOK_SECRET_KEY", "a-secret-long-enough-to-sign-sessions-0123")  # nothing is written to instance/
    monkeypatch.chdir({"tmp": tmp_path, "backend": ROOT / "backend", "root": ROOT}[cwd])
    before = sorted(os.listdir(ROOT))

    with caplog.at_level("INFO", logger="threadbook.app"):
        app = create_app({"DATABASE_URL": sqlite_url})

    assert app.instance_path == str(ROOT / "instance")
    assert sorted(os.listdir(ROOT)) == before
    assert f"instance folder {ROOT / 'instance'} (from the project root)" in caplog.text
    assert f"task queue {ROOT / 'instance' / 'queue.sqlite3'}" in caplog.text


def test_a_relative_instance_path_is_taken_from_the_project_root(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("THREADBOOK_INSTANCE_PATH", "var/threadbook")
    assert config.instance_path() == str(ROOT / "var" / "threadbook")
    monkeypatch.setenv("THREADBOOK_INSTANCE_PATH", str(tmp_path / "elsewhere"))
    assert config.instance_path() == str(tmp_path / "elsewhere")


def test_the_start_up_log_names_the_paths_without_a_database_password(monkeypatch, caplog):
    line = config.describe_paths({"DATABASE_URL": "postgresql://crm:hunter2@db.example/threadbook", "REDIS_URL": "redis://:s3cret@cache:6379/0"}, "/srv/tb")
    assert "hunter2" not in line and "s3cret" not in line
    assert "postgresql://crm:***@db.example/threadbook" in line and "redis://:***@cache:6379/0" in line


def test_the_worker_and_the_cli_log_the_same_folder_as_the_web_app(tmp_path):
    """`threadbook` (the CLI, and so the worker) started from another folder names the instance folder gunicorn uses."""
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "THREADBOOK_INSTANCE_PATH"}
    env.update(
        THREADBOOK_SECRET_KEY="a-secret-long-enough-to-sign-sessions-0123",
        THREADBOOK_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        PYTHONPATH=str(ROOT / "backend"),
    )
    result = subprocess.run(
        [sys.executable, "-c", "from threadbook.cli import main; main()", "--help"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert f"instance folder {ROOT / 'instance'} (from the project root)" in result.stderr
