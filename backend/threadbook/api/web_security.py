"""Guard the HTTP edge: CORS for the extension's origins, rate limits, security headers.

CORS (flask-cors) answers only the origins in ``ALLOWED_ORIGINS``
(THREADBOOK_ALLOWED_ORIGINS); any other origin gets no CORS headers, so a
browser keeps its page from reading the answer.

Rate limits (Flask-Limiter), each answering 429 with ``Retry-After``:

- ``RATELIMIT_API`` per user on every ``/api/`` call (per address for calls
  without a valid session);
- ``RATELIMIT_API_ADDRESS`` per client address on every ``/api/`` call, so
  many sessions from one place cannot add up without bound;
- ``RATELIMIT_SIGNIN`` per client address on the sign-in routes, tighter.

Counters live in ``RATELIMIT_STORAGE_URI`` (``threadbook-memory://``: per process; a
Redis URL shares them between gunicorn workers and hosts). If that storage
fails, limiting falls back to memory rather than failing requests; Redis
connections time out after ``REDIS_TIMEOUT_SECONDS`` so an unreachable Redis
cannot hold requests while the limiter finds out (docs/redis.md).
``RATELIMIT_ENABLED = False`` turns limiting off (the test suite does).
The address is the socket peer, or, for a request relayed by one of
``TRUSTED_PROXIES`` (THREADBOOK_TRUSTED_PROXIES), the client's address that
proxy forwarded (proxies.py): behind nginx each client has its own counter,
and a client cannot choose its address by sending X-Forwarded-For itself.

Every answer carries ``X-Content-Type-Options: nosniff``, a
``Content-Security-Policy`` that allows nothing (the API serves no page) and
``Referrer-Policy: no-referrer``; API answers also ``Cache-Control: no-store``.

No cookie session: the API authenticates each call by its bearer token
(api/authentication.py), so Flask's signed-cookie session is never opened
(``NoCookieSessions``): no request pays for reading one, and no view can set
a cookie by writing to ``flask.session``.

``dev_signin_refusal`` reads what the development sign-in's loopback checks
need from the request as the socket saw it (see loopback.py).
"""

from flask import request
from flask.sessions import SessionInterface
from flask_cors import CORS
from flask_limiter import ApplicationLimit, Limiter

from threadbook import proxies
from threadbook.api import rate_limit_storage  # noqa: F401 (registers threadbook-memory:// with limits)
from threadbook.api.authentication import session_claims
from threadbook.api.google_answers import TOKEN_HEADER
from threadbook.identity import signin
from threadbook.identity.sessions import InvalidSession

SIGNIN_ENDPOINTS = frozenset({"api.session.create_session", "api.session.create_dev_session"})
# Google's Pub/Sub delivers every mailbox's pushes from a few addresses; its OIDC token is checked instead.
UNLIMITED_ENDPOINTS = frozenset({"api.gmail_push.receive_push"})
CORS_ALLOWED_HEADERS = ["Authorization", "Content-Type", TOKEN_HEADER]
CORS_EXPOSED_HEADERS = ["Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"]
CORS_MAX_AGE_SECONDS = 600
# Connect and read timeout of the limiter's Redis connections: one check per request, so short.
REDIS_TIMEOUT_SECONDS = 1
REDIS_SCHEMES = ("redis://", "rediss://", "redis+unix://", "unix://")
# Headers a proxy adds when it relays a request; the extension talking to its own machine sends none.
FORWARDING_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Real-IP")


class NoCookieSessions(SessionInterface):
    """Flask's session, never opened: ``flask.session`` is a NullSession, which refuses writes."""

    def open_session(self, app, request):
        return self.make_null_session(app)

    def save_session(self, app, session, response):
        pass


def init_app(app):
    """Install CORS and rate limiting on ``app``, and the client's address from trusted proxies; call before any other before_request hook."""
    app.session_interface = NoCookieSessions()
    proxies.install(app, app.config.get("TRUSTED_PROXIES") or [])
    CORS(
        app,
        resources={r"/api/*": {"origins": list(app.config["ALLOWED_ORIGINS"])}},
        allow_headers=CORS_ALLOWED_HEADERS,
        expose_headers=CORS_EXPOSED_HEADERS,
        max_age=CORS_MAX_AGE_SECONDS,
        supports_credentials=False,
    )

    @app.after_request
    def security_headers(response):
        # Answers are JSON with personal data: never cached by a browser or proxy, never sniffed as
        # another type, never framed, and no referrer leaks an id from the URL.
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
        headers.setdefault("Referrer-Policy", "no-referrer")
        if request.path.startswith("/api/"):
            headers.setdefault("Cache-Control", "no-store")
        return response

    @app.after_request
    def retry_after_only_when_refused(response):
        # Flask-Limiter writes Retry-After on every answer; it means "wait" only on a 429 or 503.
        # Registered before the limiter, so it runs after the limiter's own hook.
        if response.status_code not in (429, 503):
            response.headers.pop("Retry-After", None)
        return response

    # Limits are read once here: a callable limit is parsed again on every request (~0.1 ms each).
    config = app.config
    limiter = Limiter(
        client_address,
        application_limits=[
            ApplicationLimit(config["RATELIMIT_API"], key_function=user_or_address, scope="api-user", exempt_when=_not_api),
            ApplicationLimit(config["RATELIMIT_API_ADDRESS"], key_function=client_address, scope="api-address", exempt_when=_not_api),
            ApplicationLimit(
                config["RATELIMIT_SIGNIN"],
                key_function=client_address,
                scope="signin",
                exempt_when=_not_signin,
                error_message=f"{config['RATELIMIT_SIGNIN']} sign-in attempts per address",
            ),
        ],
        headers_enabled=True,
        storage_options=_storage_options(config.get("RATELIMIT_STORAGE_URI") or ""),
        key_prefix="threadbook",
        in_memory_fallback_enabled=True,
        swallow_errors=True,
    )
    limiter.init_app(app)
    app.extensions["threadbook_limiter"] = limiter
    return limiter


def _storage_options(uri):
    if uri.startswith(REDIS_SCHEMES):
        return {"socket_timeout": REDIS_TIMEOUT_SECONDS, "socket_connect_timeout": REDIS_TIMEOUT_SECONDS}
    return {}


def client_address():
    return request.remote_addr or "unknown"


def user_or_address():
    """Key a request by the session's user when its token is valid, else by address.

    The rate limit runs before authentication (so floods never reach the
    database); verifying the HS256 signature here costs microseconds.
    """
    try:
        claims = session_claims()
        return f"user:{claims['org']}:{claims['sub']}"
    except InvalidSession:
        return "address:" + client_address()


def _not_api():
    return request.method == "OPTIONS" or not request.path.startswith("/api/") or request.endpoint in UNLIMITED_ENDPOINTS


def _not_signin():
    return request.endpoint not in SIGNIN_ENDPOINTS


def dev_signin_refusal(config):
    """Return why the development sign-in is refused to this request (a message), or None."""
    environ = request.environ
    # The socket's own peer and Host, even if a ProxyFix middleware has rewritten them from forwarded headers.
    original = environ.get("werkzeug.proxy_fix.orig") or {}
    peer = original.get("REMOTE_ADDR", environ.get("REMOTE_ADDR"))
    host = original.get("HTTP_HOST", environ.get("HTTP_HOST")) or request.host
    relayed = any(name in request.headers for name in FORWARDING_HEADERS)
    return signin.dev_signin_refusal(config, peer, host, relayed=relayed)
