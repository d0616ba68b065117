#!/usr/bin/env bash
# Builds the TypeScript SDK and runs its test suite against a running TensorBox.
# Needs TENSORBOX_API_URL and TENSORBOX_API_KEY (an admin key: the suite also creates and revokes keys).
# Exit code 0 = every test passed.
set -euo pipefail
cd "$(dirname "$0")"

if [[ -z "${TENSORBOX_API_URL:-}" || -z "${TENSORBOX_API_KEY:-}" ]]; then
  echo "sdk/typescript/test.sh: set TENSORBOX_API_URL and TENSORBOX_API_KEY to a running TensorBox (admin key)" >&2
  exit 2
fi
if [[ ! -d node_modules ]]; then
  npm ci --no-audit --no-fund
fi
rm -rf dist build
node_modules/.bin/tsc -p tsconfig.json
node_modules/.bin/tsc -p tsconfig.test.json
exec node --test --test-concurrency=4 --test-reporter=spec build/test/*.test.js
