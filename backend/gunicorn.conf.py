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
# Slow clients. A gthread worker hands each connection to one of its threads, which reads
# the request line, headers and body itself with no deadline of its own: a client that sends
# a large body a byte at a time holds that thread (one of workers x threads) until it ends,
# and enough of them hold every thread. gunicorn's settings below only bound the edges, so in
# production gunicorn runs behind a buffering reverse proxy (nginx: proxy_request_buffering on,
# client_header_timeout, client_body_timeout) that reads each request whole before passing it
# on over loopback; see "Running at scale" in README.md and docs/security.md.
timeout = 60  # a worker whose main loop is silent this long is killed and restarted (a hung worker, not a slow request)
graceful_timeout = 20  # on stop or reload, requests in flight get this long to finish
keepalive = 5  # seconds an idle kept-alive connection stays open (waiting in the poller, not holding a thread)
limit_request_line = 4094  # bytes in "GET /path?query HTTP/1.1": Threadbook's ids and queries are short
limit_request_fields = 50  # headers per request: browsers send about 15
limit_request_field_size = 8190  # bytes per header: a session token or a Google access token needs under 4 KiB
accesslog = "-"
errorlog = "-"
# X-Forwarded-Proto is believed from these peers only: the proxies the app trusts for X-Forwarded-For (proxies.py).
forwarded_allow_ips = os.environ.get("THREADBOOK_TRUSTED_PROXIES") or "127.0.0.1"
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
