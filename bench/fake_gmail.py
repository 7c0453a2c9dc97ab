"""The fake Gmail and token endpoint the sync benchmarks serve from a child process (bench/sync_ingest.py, bench/reconcile.py)."""


def mailbox_with_grants(address):
    """Return (state, box, oauth): one fake mailbox whose every access token may modify it."""
    from tests.fakes.gmail_store import GmailState
    from tests.fakes.google_oauth import FakeGoogleOAuth

    state = GmailState()
    box = state.add_mailbox(address)
    oauth = FakeGoogleOAuth()
    oauth.on_access_token = lambda token, email, scopes: state.grant(token, email, scopes=["gmail.modify"])
    return state, box, oauth


def serve(state, oauth, address, ready):
    """Serve Gmail and the token endpoint on one free port; send {port, refresh_token} through ``ready``, then serve forever."""
    from werkzeug.serving import make_server

    from tests.fakes.gmail import create_app

    refresh_token = oauth.grant_refresh_token(address)
    gmail_app = create_app(state)

    def dispatch(environ, start_response):
        target = oauth.app if environ.get("PATH_INFO", "") in ("/token", "/revoke") else gmail_app
        return target(environ, start_response)

    server = make_server("127.0.0.1", 0, dispatch, threaded=True)
    ready.send({"port": server.server_port, "refresh_token": refresh_token})
    server.serve_forever()
