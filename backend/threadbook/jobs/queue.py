"""The task queue: one huey instance whose storage comes from the app's configuration.

SQLite (``instance/queue.sqlite3``) by default, so one machine needs nothing
else; Redis when ``THREADBOOK_REDIS_URL`` is set (config ``REDIS_URL``), so
workers on several machines share one queue. ``QUEUE_IMMEDIATE`` (tests) runs
tasks in the caller, in memory.

Tasks are declared at import time against ``huey``; its storage is chosen by
``configure(app)``, which the worker and the enqueueing code call before use.
Until then the storage is in memory, so importing never creates files.

Domain code queues work by name through ``enqueue`` (``enqueue("sync_mailbox",
mailbox_id)``): the task bodies live in the domain packages and ``jobs.tasks``
registers them here, so the domain never imports the module that imports it.

A queue whose storage does not answer (Redis stopped, unreachable) makes
``enqueue`` raise ``QueueUnavailable`` (errors.py answers it 503
``queue_unavailable``): nothing was queued, and the caller knows. Redis
connections have timeouts (``REDIS_TIMEOUT_SECONDS``), so a Redis that is
unreachable fails a request in seconds instead of holding it. ``redis_problem``
is the one answer to "is Redis answering", for ``/healthz`` and ``threadbook doctor``.
"""

import json
import os
import socket
import sqlite3
import threading
import time

import redis
from flask import current_app
from huey import Huey
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

from threadbook.errors import QueueUnavailable  # raised here; callers catch it as queue.QueueUnavailable

QUEUE_NAME = "threadbook"
QUEUE_FILE = "queue.sqlite3"
# Each running ``threadbook worker`` writes this key every HEARTBEAT_SECONDS; ``threadbook doctor`` reads it.
HEARTBEAT_KEY = "threadbook:worker_heartbeat"
HEARTBEAT_SECONDS = 30
# Connect and read timeout of every Redis connection; above huey's blocking read (1 s), so an idle worker's wait is not an error.
REDIS_TIMEOUT_SECONDS = 5

huey = Huey(QUEUE_NAME, results=False, storage_class=MemoryStorage, utc=True)

_configured_for = None
_lock = threading.Lock()
_registered = {}  # task name -> huey task, filled by jobs.tasks


class UnknownTask(LookupError):
    """No task of that name is registered: jobs.tasks was not imported in this process."""


def register(name, task):
    """Make ``task`` reachable as ``enqueue(name, ...)``."""
    _registered[name] = task


def enqueue(name, *args, app=None):
    """Queue the task registered as ``name`` with ``args``, on the storage ``app`` (default: current_app) configures."""
    try:
        task = _registered[name]
    except KeyError:
        raise UnknownTask(f"No task named {name!r}; import threadbook.jobs.tasks first.") from None
    configure(app or current_app)
    return _queued(lambda: task(*args))


def enqueue_later(name, *args, delay, app=None):
    """Queue the task registered as ``name`` to run in ``delay`` seconds (huey's schedule; a worker runs it when due)."""
    try:
        task = _registered[name]
    except KeyError:
        raise UnknownTask(f"No task named {name!r}; import threadbook.jobs.tasks first.") from None
    configure(app or current_app)
    return _queued(lambda: task.schedule(args=args, delay=delay))


def _queued(put):
    """Run ``put`` (which writes to the queue's storage); a storage that fails raises QueueUnavailable."""
    if huey.immediate:
        return put()  # the task runs here: its own errors are its caller's, not the queue's
    try:
        return put()
    except (redis.RedisError, sqlite3.Error) as exc:
        raise QueueUnavailable(f"{storage_kind()} storage: {exc.__class__.__name__}") from exc


def redis_pool(url, timeout=REDIS_TIMEOUT_SECONDS):
    """A connection pool for Redis at ``url`` whose connects and reads give up after ``timeout`` seconds."""
    return redis.ConnectionPool.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout, health_check_interval=30)


def redis_problem(url, timeout=2.0):
    """None when Redis at ``url`` answers a PING within ``timeout`` seconds, else what went wrong ("unreachable: ConnectionError")."""
    client = redis.Redis(connection_pool=redis_pool(url, timeout))
    try:
        client.ping()
    except redis.RedisError as exc:
        return f"unreachable: {exc.__class__.__name__}"
    finally:
        client.close()
        client.connection_pool.disconnect()
    return None


def storage_for(config, instance_path):
    """Return the huey storage that a configuration asks for."""
    redis_url = config.get("REDIS_URL")
    if redis_url:
        return RedisStorage(QUEUE_NAME, connection_pool=redis_pool(redis_url))
    os.makedirs(instance_path, exist_ok=True)
    # timeout: the busy timeout, seconds; several consumers may poll one file.
    return SqliteStorage(QUEUE_NAME, filename=os.path.join(instance_path, QUEUE_FILE), timeout=10)


def configure(app):
    """Point the queue at the storage the app's configuration names (idempotent)."""
    global _configured_for
    immediate = bool(app.config.get("QUEUE_IMMEDIATE"))
    key = (immediate, app.config.get("REDIS_URL") or "", app.instance_path)
    with _lock:
        if _configured_for == key:
            return huey
        huey.immediate = immediate
        if not immediate:
            huey.storage = storage_for(app.config, app.instance_path)
        _configured_for = key
    return huey


def storage_kind():
    """Name the storage in use ('sqlite', 'redis', 'memory'), for status pages and tests."""
    storage = huey.storage
    if isinstance(storage, RedisStorage):
        return "redis"
    if isinstance(storage, SqliteStorage):
        return "sqlite"
    return "memory"


def beat(storage=None):
    """Record that a worker is alive now (its host and pid) in the queue's storage."""
    storage = storage or huey.storage
    storage.put_data(HEARTBEAT_KEY, json.dumps({"at": time.time(), "host": socket.gethostname(), "pid": os.getpid()}).encode())


def last_beat(storage):
    """The last worker heartbeat in ``storage`` as ``{"at", "host", "pid"}``, or None when no worker ever beat there."""
    raw = storage.peek_data(HEARTBEAT_KEY)
    if not isinstance(raw, bytes | str):  # huey's EmptyData: no worker has written one
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None
