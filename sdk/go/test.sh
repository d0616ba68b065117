#!/bin/sh
# Vets and tests the Go SDK against the running TensorBox platform named by TENSORBOX_API_URL and
# TENSORBOX_API_KEY (an admin key). Exit 0 = pass. Needs Go >= 1.19 (Debian: golang-go); the
# SDK uses the standard library only, so no module proxy is involved.
set -eu
cd "$(dirname "$0")"
if [ -z "${TENSORBOX_API_URL:-}" ] || [ -z "${TENSORBOX_API_KEY:-}" ]; then
    echo "sdk/go/test.sh: set TENSORBOX_API_URL and TENSORBOX_API_KEY to a running TensorBox platform" >&2
    exit 2
fi
GO="${GO:-$(command -v go || echo /usr/bin/go)}"
export GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GO111MODULE=on
# GOCACHE may default (~/.cache/go-build); without a HOME it must be given.
case "$("$GO" env GOCACHE 2>/dev/null)" in
    ""|off) export GOCACHE="${TMPDIR:-/tmp}/tensorbox-sdk-go-cache" ;;
esac
if [ -z "$("$GO" env GOPATH 2>/dev/null)" ]; then
    export GOPATH="${TMPDIR:-/tmp}/tensorbox-sdk-go-path"
fi
unformatted="$(gofmt -l . 2>/dev/null || true)"
if [ -n "$unformatted" ]; then
    echo "sdk/go/test.sh: not gofmt-formatted: $unformatted" >&2
    exit 1
fi
"$GO" vet ./...
exec "$GO" test -count=1 -timeout 120s "$@" ./...
