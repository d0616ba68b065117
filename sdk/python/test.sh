#!/bin/sh
# Runs the Python SDK's tests against a running TensorBox platform.
#   TENSORBOX_API_URL=http://localhost:8080 TENSORBOX_API_KEY=ask_... sdk/python/test.sh [unittest args]
# Exit code 0 = every test passed. Uses Debian's /usr/bin/python3 (standard library only).
set -eu
cd "$(dirname "$0")"
if [ -z "${TENSORBOX_API_URL:-}" ] || [ -z "${TENSORBOX_API_KEY:-}" ]; then
    echo "sdk/python/test.sh: set TENSORBOX_API_URL and TENSORBOX_API_KEY (an admin key) of a running platform" >&2
    exit 2
fi
PYTHON="${TENSORBOX_PYTHON:-/usr/bin/python3}"
export PYTHONPATH="src${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONDONTWRITEBYTECODE=1
exec "$PYTHON" -m unittest discover -s tests -t tests "$@"
