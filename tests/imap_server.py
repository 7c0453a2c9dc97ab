"""Start a throwaway Dovecot IMAP server for the tests (Debian's ``dovecot-imapd``).

Everything lives in one temporary directory: the configuration (``dovecot -F -c``),
base_dir, state, log, a passwd-file of test users, their Maildirs, and a
self-signed certificate made here with ``cryptography``. It listens on
127.0.0.1 on two free ports: implicit TLS (``tls_port``) and plain IMAP
(``port``, which also offers STARTTLS). As root, Dovecot's own unprivileged
users from the package (``dovenull``, ``dovecot``) run the login and mail
processes and own the Maildirs; as an ordinary user, that user runs everything.
``available()`` says whether the binary is installed: tests skip without it.
"""

import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from .tls import write_self_signed

DOVECOT = "/usr/sbin/dovecot"
DOVEADM = "/usr/bin/doveadm"
SKIP_REASON = "Dovecot is not installed (Debian package dovecot-imapd): the IMAP tests need a real server"


def available():
    return os.path.exists(DOVECOT) and os.path.exists(DOVEADM)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_CONFIG = """\
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:{dir}/mail/%n/Maildir
mail_uid = {mail_uid}
mail_gid = {mail_gid}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Sent {{
    special_use = \\Sent
    auto = subscribe
  }}
  mailbox Drafts {{
    special_use = \\Drafts
    auto = subscribe
  }}
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%n {dir}/users/%n
}}
userdb {{
  driver = static
  args = home={dir}/mail/%n allow_all_users=yes
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""


class DovecotServer:
    """One Dovecot on temporary ports; ``add_user`` before or after ``start``."""

    def __init__(self):
        if not available():
            raise RuntimeError(SKIP_REASON)
        self.dir = tempfile.mkdtemp(prefix="threadbook-dovecot-")
        os.chmod(self.dir, 0o755)  # the auth and mail processes run as other users when we are root
        self.port = free_port()
        self.tls_port = free_port()
        self.as_root = os.geteuid() == 0
        self.users = {}
        self._passwd_version = 0
        self.cert_path, self.key_path = map(str, write_self_signed(self.dir))
        self.config_path = os.path.join(self.dir, "dovecot.conf")
        self.process = None

    def _identity(self):
        if self.as_root:
            return "dovenull", "dovecot", "dovecot", "dovecot", "dovecot"
        me = pwd.getpwuid(os.getuid()).pw_name
        group = grp.getgrgid(os.getgid()).gr_name
        return me, me, group, me, group

    def _write_config(self):
        login_user, internal_user, internal_group, mail_uid, mail_gid = self._identity()
        os.makedirs(os.path.join(self.dir, "mail"), exist_ok=True)
        with open(self.config_path, "w") as f:
            f.write(
                _CONFIG.format(
                    dir=self.dir,
                    cert=self.cert_path,
                    key=self.key_path,
                    port=self.port,
                    tls_port=self.tls_port,
                    login_user=login_user,
                    internal_user=internal_user,
                    internal_group=internal_group,
                    mail_uid=mail_uid,
                    mail_gid=mail_gid,
                )
            )
        self.chown_mail()

    def _write_passwd(self, user):
        """Write one user's passwd-file (one file each: Dovecot re-reads a changed file at most once a second)."""
        directory = os.path.join(self.dir, "users")
        os.makedirs(directory, mode=0o755, exist_ok=True)
        path = os.path.join(directory, user)
        with open(path + ".new", "w") as f:
            f.write(f"{user}:{{PLAIN}}{self.users[user]}::::::\n")
        os.chmod(path + ".new", 0o644)
        # Dovecot notices a change by mtime, in whole seconds: make each version's differ.
        self._passwd_version += 1
        stamp = 1_000_000_000 + self._passwd_version  # any distinct time will do
        os.utime(path + ".new", (stamp, stamp))
        os.replace(path + ".new", path)

    def add_user(self, user, password):
        self.users[user] = password
        self._write_passwd(user)

    def maildir(self, user, folder="INBOX"):
        """The Maildir path of a user's folder (created with cur/new/tmp)."""
        base = os.path.join(self.dir, "mail", user, "Maildir")
        path = base if folder == "INBOX" else os.path.join(base, "." + folder.replace("/", "."))
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(path, sub), exist_ok=True)
        return path

    def chown_mail(self):
        """Give the Maildirs written by the test to the mail user (when we are root)."""
        if not self.as_root:
            return
        uid, gid = pwd.getpwnam("dovecot").pw_uid, grp.getgrnam("dovecot").gr_gid
        for root, _dirs, files in os.walk(os.path.join(self.dir, "mail")):
            os.chown(root, uid, gid)
            for name in files:
                os.chown(os.path.join(root, name), uid, gid)

    def start(self, timeout=30):
        self._write_config()
        self.process = subprocess.Popen([DOVECOT, "-F", "-c", self.config_path], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.process.stderr.read().decode(errors='replace')} {self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    if s.recv(100).startswith(b"* OK"):
                        return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"dovecot did not answer within {timeout}s: {self.log()}")
            time.sleep(0.1)

    def doveadm(self, *args):
        return subprocess.run([DOVEADM, "-c", self.config_path, *args], check=True, capture_output=True, text=True).stdout

    def log(self):
        try:
            with open(os.path.join(self.dir, "dovecot.log")) as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
