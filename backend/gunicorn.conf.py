"""gunicorn settings; each may be overridden on the command line or by environment."""

import multiprocessing
import os

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
