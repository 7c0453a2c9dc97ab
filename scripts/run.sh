#!/usr/bin/env bash
# Serve Threadbook: gunicorn (the API) and one mail-sync worker side by side.
# Ctrl-C (or SIGTERM) stops both; if either exits, the other is stopped too.
# Usage: scripts/run.sh [path to the virtualenv's bin, default .venv/bin]
set -u
BIN="${1:-.venv/bin}"

"$BIN/gunicorn" -c backend/gunicorn.conf.py &
web=$!
"$BIN/threadbook" worker &
worker=$!

stop() {
    trap - INT TERM EXIT
    kill -TERM "$web" "$worker" 2>/dev/null
    wait "$web" "$worker" 2>/dev/null
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
trap stop EXIT

# Return as soon as either process ends, then stop the other.
wait -n "$web" "$worker"
status=$?
echo "threadbook: a process exited (status $status); stopping the other." >&2
exit "$status"
