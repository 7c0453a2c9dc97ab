"""The checks of what the backend talks to: the task queue and its worker, Redis, Google's endpoints."""

import time
from pathlib import Path

import requests
from huey.storage import RedisStorage, SqliteStorage

from threadbook.doctor import report
from threadbook.doctor.database import describe_url
from threadbook.jobs import queue

STALE_AFTER_SECONDS = 3 * queue.HEARTBEAT_SECONDS
REDIS_TIMEOUT_SECONDS = 3
WORKER_FIX = "run `threadbook worker` beside the web server (`make run` starts one); with THREADBOOK_REDIS_URL, on any machine"


def check_queue(config, instance):
    """The queue's mode, whether its storage answers, and whether a worker seems alive."""
    if config["QUEUE_IMMEDIATE"]:
        return [report.ok("task queue", "tasks run inside the request (THREADBOOK_QUEUE_IMMEDIATE): no worker needed, requests wait for syncs")]
    redis_url = config["REDIS_URL"]
    if redis_url:
        # The same "is Redis answering" as /healthz (jobs/queue.py), with the doctor's longer patience.
        problem = queue.redis_problem(redis_url, timeout=REDIS_TIMEOUT_SECONDS)
        if problem is None:
            try:
                storage = RedisStorage(queue.QUEUE_NAME, connection_pool=queue.redis_pool(redis_url, REDIS_TIMEOUT_SECONDS))
                pending = storage.queue_size()
            except Exception as exc:  # redis-py's errors: it went away between the two calls, or refuses the command
                problem = f"unreachable: {exc.__class__.__name__}"
        if problem is not None:
            return [
                report.fail(
                    "task queue",
                    f"Redis at {describe_url(redis_url)} does not answer ({problem})",
                    "start Redis (see docs/redis.md), or fix THREADBOOK_REDIS_URL=redis://host:6379/0",
                )
            ]
        checks = [report.ok("task queue", f"Redis {describe_url(redis_url)}; {pending} task(s) waiting")]
        return checks + [_worker(storage, pending)]
    path = Path(instance) / queue.QUEUE_FILE
    if not path.exists():
        return [
            report.ok("task queue", f"SQLite {path} (created by the first worker or queued task)"),
            report.warn("worker", "no worker has run with this instance folder yet", WORKER_FIX),
        ]
    try:
        storage = SqliteStorage(queue.QUEUE_NAME, filename=str(path), timeout=3)
        pending = storage.queue_size()
    except Exception as exc:  # sqlite3's errors: a damaged or locked file
        return [report.fail("task queue", f"SQLite {path} cannot be read ({exc})", f"stop the workers and move {path} aside; a new one is created")]
    return [report.ok("task queue", f"SQLite {path}; {pending} task(s) waiting"), _worker(storage, pending)]


def _worker(storage, pending):
    beat = queue.last_beat(storage)
    if beat is None:
        return report.warn(
            "worker",
            "no worker heartbeat: no `threadbook worker` has run against this queue" + (f", and {pending} task(s) wait" if pending else ""),
            WORKER_FIX,
        )
    age = time.time() - float(beat.get("at") or 0)
    who = f"{beat.get('host', '?')} pid {beat.get('pid', '?')}"
    if age > STALE_AFTER_SECONDS:
        return report.warn("worker", f"last heartbeat {_ago(age)} ago ({who}): no worker seems to be running", WORKER_FIX)
    return report.ok("worker", f"alive ({who}, heartbeat {_ago(age)} ago)")


def _ago(seconds):
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


def check_google(config, timeout):
    """Whether Google's endpoints the backend calls answer (a short timeout each); skipped when Google isn't set up."""
    if not config["GOOGLE_CLIENT_IDS"]:
        return [report.skip("Google endpoints", "not checked: Google isn't set up on this backend (GOOGLE_CLIENT_ID)")]
    checks = [_certs(config["GOOGLE_CERTS_URL"], timeout)]
    token = _answers("POST", config["GOOGLE_TOKEN_URI"], timeout)
    name = "Google token endpoint"
    if token is None:
        checks.append(report.ok(name, f"{config['GOOGLE_TOKEN_URI']} answers"))
    else:
        checks.append(
            report.fail(
                name,
                f"{config['GOOGLE_TOKEN_URI']}: {token}",
                "unset GOOGLE_TOKEN_URI (Google's is https://oauth2.googleapis.com/token), or let this host reach it",
            )
        )
    api = config["GOOGLE_API_ROOT"].rstrip("/") + "/gmail/v1/users/me/profile"
    problem = _answers("GET", api, timeout)
    name = "Gmail API"
    if problem is None:
        checks.append(report.ok(name, f"{config['GOOGLE_API_ROOT']} answers"))
    else:
        checks.append(report.fail(name, f"{api}: {problem}", "unset GOOGLE_API_ROOT (Google's is https://www.googleapis.com/), or let this host reach it"))
    return checks


def _answers(method, url, timeout):
    """None when ``url`` gives any HTTP answer below 500 (without credentials Google answers 400/401), else what went wrong."""
    try:
        response = requests.request(method, url, timeout=timeout, allow_redirects=False)
    except requests.RequestException as exc:
        return f"no answer in {timeout:g} s ({exc.__class__.__name__})"
    if response.status_code >= 500:
        return f"answered {response.status_code}"
    return None


def _certs(url, timeout):
    name = "Google certificates"
    fix = "unset GOOGLE_CERTS_URL (Google's is https://www.googleapis.com/oauth2/v1/certs), or let this host reach it: sign-in needs it"
    try:
        response = requests.get(url, timeout=timeout)
    except requests.RequestException as exc:
        return report.fail(name, f"{url}: no answer in {timeout:g} s ({exc.__class__.__name__})", fix)
    try:
        keys = response.json() if response.status_code == 200 else None
    except ValueError:
        keys = None
    if not isinstance(keys, dict) or not keys:
        return report.fail(name, f"{url} answered {response.status_code} without certificates", fix)
    return report.ok(name, f"{url}: {len(keys)} certificate(s)")
