#!/bin/sh
# Runs the Go SDK bench against the platform named by TENSORBOX_API_URL / TENSORBOX_API_KEY.
# Flags go to the bench: -n 200 -block 20 -warmup 20.
set -eu
cd "$(dirname "$0")"
if [ -z "${TENSORBOX_API_URL:-}" ] || [ -z "${TENSORBOX_API_KEY:-}" ]; then
    echo "bench/sdk/go/run.sh: set TENSORBOX_API_URL and TENSORBOX_API_KEY" >&2
    exit 2
fi
export GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GO111MODULE=on
case "$(go env GOCACHE 2>/dev/null)" in
    ""|off) export GOCACHE="${TMPDIR:-/tmp}/tensorbox-sdk-go-cache" ;;
esac
exec go run . "$@"
