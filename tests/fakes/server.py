"""Run a WSGI app (a fake Google endpoint, or the real backend) on a local port in a thread."""

import threading

from werkzeug.serving import make_server


class ServerThread:
    """Serve ``app`` on 127.0.0.1 until stopped; ``url`` is its root without a slash."""

    def __init__(self, app, port=0, ssl_context=None, threaded=True):
        self._server = make_server("127.0.0.1", port, app, threaded=threaded, ssl_context=ssl_context)
        self.port = self._server.server_port
        scheme = "https" if ssl_context else "http"
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
