"""Start a throwaway PostgreSQL server for the test suite.

Debian keeps the server binaries in /usr/lib/postgresql/<version>/bin. initdb
refuses to run as root, so as root the server runs as the ``postgres`` user
(``runuser``); as an ordinary user it runs as that user. Set
THREADBOOK_TEST_POSTGRES_URL to use a server you already have instead.
"""

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time

import psycopg2


def find_bin_dir():
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if candidates:
        return os.path.dirname(candidates[-1])
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    def __init__(self, settings=None):
        self.bin_dir = find_bin_dir()
        if not self.bin_dir:
            raise RuntimeError("PostgreSQL server binaries not found: install Debian's 'postgresql' package or set THREADBOOK_TEST_POSTGRES_URL.")
        self.as_root = os.geteuid() == 0
        self.dir = tempfile.mkdtemp(prefix="threadbook-pg-")
        self.port = free_port()
        self.settings = dict(settings or {})  # extra ``-c name=value`` server settings (the benchmarks size the buffers)
        if self.as_root:
            shutil.chown(self.dir, user="postgres", group="postgres")
            os.chmod(self.dir, 0o700)

    def _run(self, *args):
        cmd = [os.path.join(self.bin_dir, args[0]), *args[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=self.dir)

    def start(self):
        data = os.path.join(self.dir, "data")
        self._run("initdb", "-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-sync")
        self.resume()
        return self

    def resume(self):
        """Start the server on its data directory (again, after ``halt``) and wait until it accepts connections."""
        data = os.path.join(self.dir, "data")
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        options += "".join(f" -c {name}={value}" for name, value in self.settings.items())
        self._run("pg_ctl", "-D", data, "-o", options, "-l", os.path.join(self.dir, "log"), "-w", "start")
        deadline = time.time() + 20
        while True:
            try:
                psycopg2.connect(self.url("postgres")).close()
                return self
            except psycopg2.OperationalError:
                if time.time() > deadline:
                    raise
                time.sleep(0.1)

    def url(self, dbname):
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def halt(self):
        """Stop the server like an outage, keeping its data for ``resume``."""
        self._run("pg_ctl", "-D", os.path.join(self.dir, "data"), "-m", "fast", "-w", "stop")

    def stop(self):
        try:
            self._run("pg_ctl", "-D", os.path.join(self.dir, "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def admin_execute(url, sql):
    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()
