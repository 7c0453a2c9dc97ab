"""Start a throwaway Redis server for the tests that need one (Debian's ``redis-server``).

Like pg_server.py for PostgreSQL: a temporary directory, a free port on
127.0.0.1, no configuration file (so nothing from /etc/redis applies), killed
at the end. Persistence is explicit: no RDB snapshots (``save ""``), and with
``appendonly=True`` an append-only file fsynced on every write, so a queued job
survives ``stop()`` then ``start()`` (same port, same directory), which is what
the outage tests do.
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time

import redis

from .pg_server import free_port

START_SECONDS = 30


def find_redis_server():
    return shutil.which("redis-server") or (os.path.exists("/usr/bin/redis-server") and "/usr/bin/redis-server") or None


class RedisServer:
    def __init__(self, appendonly=True):
        self.binary = find_redis_server()
        if not self.binary:
            raise RuntimeError("redis-server not found: install Debian's 'redis-server' package.")
        self.appendonly = appendonly
        self.dir = tempfile.mkdtemp(prefix="threadbook-redis-")
        self.port = free_port()
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        """Start (or start again, on the same port and data) and wait until it answers PING."""
        args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir, "--save", "", "--daemonize", "no"]
        args += ["--appendonly", "yes", "--appendfsync", "always"] if self.appendonly else ["--appendonly", "no"]
        args += ["--protected-mode", "no", "--logfile", os.path.join(self.dir, "redis.log")]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=self.dir)
        deadline = time.monotonic() + START_SECONDS
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited ({self.process.returncode}): {self.log_tail()}")
            try:
                client = redis.Redis.from_url(self.url, socket_connect_timeout=1, socket_timeout=1)
                if client.ping():
                    client.close()
                    return self
            except redis.RedisError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self):
        """Stop the server like an outage (SIGTERM, as systemd does); its data directory stays for ``start``."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)

    def client(self):
        return redis.Redis.from_url(self.url, socket_connect_timeout=2, socket_timeout=5)

    def flush(self):
        self.client().flushall()

    def log_tail(self, chars=2000):
        try:
            with open(os.path.join(self.dir, "redis.log"), errors="replace") as log:
                return log.read()[-chars:]
        except OSError:
            return "(no log)"

    def destroy(self):
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
