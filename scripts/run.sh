#!/usr/bin/env bash
# Serve Threadbook: gunicorn (the API) and one mail-sync worker side by side.
# Prints where it really listens (THREADBOOK_BIND) and where the extension must point.
# Ctrl-C (or SIGTERM) stops both and exits 0 (a stop you asked for is not an error,
# so `make run` ends without "Error 130/143"); if either exits by itself, the other
# is stopped too and its status is returned.
# Usage: scripts/run.sh [path to the virtualenv's bin, default .venv/bin]
set -u
BIN="${1:-.venv/bin}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"

bind="${THREADBOOK_BIND:-127.0.0.1:5000}"
first="${bind%%,*}"
case "$first" in
unix:*) url="" ;;
*)
    port="${first##*:}"
    host="${first%:*}"
    case "$host" in
    0.0.0.0 | "" | localhost | 127.*) host=127.0.0.1 ;;
    "[::]") host="[::1]" ;;
    esac
    url="http://$host:$port"
    ;;
esac
case "${THREADBOOK_DEV_SIGNIN:-0}" in
1 | true | yes | on) dev="on (loopback only); THREADBOOK_DEV_SIGNIN=0 turns it off" ;;
*) dev="off" ;;
esac

echo
echo "Threadbook backend: listening on $bind (THREADBOOK_BIND)${url:+; health: $url/healthz}"
echo "Load the extension: chrome://extensions -> Developer mode -> Load unpacked -> $ROOT/dist"
if [ -z "$url" ]; then
    echo "The backend listens on a unix socket: put a web server in front and set the extension's Options -> Backend URL to its address."
elif [ "$url" != "http://127.0.0.1:5000" ]; then
    echo "The extension looks for http://127.0.0.1:5000 by default: set its Options -> Backend URL to $url"
    echo "  (chrome://extensions -> Threadbook -> Details -> Extension options)."
else
    echo "The extension's default backend URL (http://127.0.0.1:5000) is this one."
fi
echo "Development sign-in (@threadbook.test joins the demo organisation): $dev"
echo "Ctrl-C stops the server and the worker."
echo

"$BIN/gunicorn" -c backend/gunicorn.conf.py &
web=$!
"$BIN/threadbook" worker &
worker=$!

stop() {
    trap - INT TERM EXIT
    kill -TERM "$web" "$worker" 2>/dev/null
    wait "$web" "$worker" 2>/dev/null
}
trap 'stop; echo "Threadbook stopped."; exit 0' INT TERM
trap stop EXIT

# Return as soon as either process ends, then stop the other.
wait -n "$web" "$worker"
status=$?
echo "threadbook: a process exited (status $status); stopping the other." >&2
exit "$status"
