#!/usr/bin/env bash
# commands.run('true'): the real e2b npm SDK beside the TensorBox TypeScript SDK (see run.mjs).
#   bench/e2b/run.sh [API_URL] [ADMIN_KEY_FILE] [N]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
api=${1:-http://localhost:18080}
admin=$(cat "${2:-/work/devhome/admin-key}")
n=${3:-200}
E2B_VERSION=${E2B_VERSION:-2.51.0}
if [ ! -d "$here/node_modules/e2b" ]; then
  (cd "$here" && npm install --no-save --no-package-lock "e2b@$E2B_VERSION" >/dev/null)
fi
key() { # name format -> key
  curl -fsS -X POST -H "authorization: Bearer $admin" -H 'content-type: application/json' \
    "$api/v1/api-keys" -d "{\"name\":\"$1\",\"role\":\"developer\"$2}" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).key))'
}
echo "$(date -u '+%Y-%m-%d %H:%M:%S UTC'); $(uptime | sed 's/.*load/load/')"
E2B_API_KEY=$(key bench-e2b ',"format":"e2b"') \
TENSORBOX_API_KEY=$(key bench-tb '') \
TENSORBOX_API_URL="$api" node "$here/run.mjs" "$n"
echo "$(date -u '+%Y-%m-%d %H:%M:%S UTC'); $(uptime | sed 's/.*load/load/')"
