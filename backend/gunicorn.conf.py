"""gunicorn settings; each may be overridden on the command line or by environment."""

import multiprocessing
import os
import sys

bind = os.environ.get("THREADBOOK_BIND", "127.0.0.1:5000")
workers = int(os.environ.get("THREADBOOK_WORKERS", min(4, multiprocessing.cpu_count() * 2)))
# Threads let a worker overlap requests that wait on Google's APIs.
threads = int(os.environ.get("THREADBOOK_THREADS", 4))
worker_class = "gthread"
chdir = os.path.dirname(os.path.abspath(__file__))
wsgi_app = "wsgi:app"
timeout = 60
graceful_timeout = 20
keepalive = 5
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = "127.0.0.1"
# gunicorn's control socket lives at one fixed path per user; several servers
# (tests, benchmarks, hosts sharing a home) would fight over it.
control_socket_disable = True


def on_starting(server):
    """Refuse to start when development sign-in is on and gunicorn listens beyond loopback.

    The check runs on the addresses gunicorn will really bind (``-b`` may
    override THREADBOOK_BIND), before any socket is opened; the workers then
    see those addresses as THREADBOOK_BIND, so the app checks the same thing.
    """
    sys.path.insert(0, chdir)  # the package, when it is not installed
    from threadbook.config import ConfigError, dev_signin_enabled
    from threadbook.loopback import dev_signin_bind_error

    os.environ["THREADBOOK_BIND"] = ",".join(server.cfg.bind)
    error = dev_signin_bind_error({"DEV_SIGNIN": dev_signin_enabled(), "BIND_ADDRESS": os.environ["THREADBOOK_BIND"]})
    if error:
        raise ConfigError(error)  # gunicorn prints "Error: ..." and exits 1
