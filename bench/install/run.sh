#!/usr/bin/env bash
# Issue 11: cold create → running on the installed chart beside `kubectl run` → Ready of the same
# image and pod spec (and a bare pod POST to the API server), then BURST creates at once. See run.mjs.
#
#   KUBECONFIG=/opt/kube/admin.kubeconfig bench/install/run.sh [RELEASE=tbx] [NAMESPACE=tbx]
#   env: ROUNDS (20) WARMUP (2) BURST (50) BURST_ROUNDS (1) POLL_MS (10) BURST_POLL_MS (20) TEMPLATE (base)
#        PARTS (cold,burst) SANDBOX_NAMESPACE (<release namespace>-sandboxes)
#        API_URL (default: the ClusterIP of the release's api Service; this host reaches ClusterIPs)
# Reads the admin key from the release's Secret, makes a developer key for the run and revokes it
# at the end. Every sandbox and baseline pod of the run is deleted, also on failure.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
release=${1:-tbx}
ns=${2:-tbx}
svc=$release-tensorbox-api
api=${API_URL:-http://$(kubectl -n "$ns" get svc "$svc" -o jsonpath='{.spec.clusterIP}'):8080}
admin=$(kubectl -n "$ns" get secret "$release-tensorbox-admin-key" -o jsonpath='{.data.api-key}' | base64 -d)
field() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[process.argv[1]]))' "$1"; }
created=$(curl -fsS -X POST -H "authorization: Bearer $admin" -H 'content-type: application/json' \
  "$api/v1/api-keys" -d '{"name":"bench-install","role":"developer"}')
key_id=$(field id <<<"$created")
revoke() { curl -fsS -o /dev/null -X DELETE -H "authorization: Bearer $admin" "$api/v1/api-keys/$key_id" || true; }
trap revoke EXIT
# the product's own histogram on every api-service pod, before and after (count, sum)
metrics() {
  local total_c=0 total_s=0 ip out
  for ip in $(kubectl -n "$ns" get pods -l app.kubernetes.io/instance="$release",app.kubernetes.io/component=api \
      -o jsonpath='{.items[*].status.podIP}'); do
    out=$(curl -fsS "http://$ip:8080/q/metrics" | grep -E '^tensorbox_sandbox_create_to_running_seconds_(count|sum)' || true)
    total_c=$(awk -v t="$total_c" '/_count/ {t += $2} END {print t}' <<<"$out")
    total_s=$(awk -v t="$total_s" '/_sum/ {t += $2} END {printf "%.3f", t}' <<<"$out")
  done
  echo "$total_c $total_s"
}
before=$(metrics)
versions=$(kubectl version -o json 2>/dev/null | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s);console.log(`kubectl ${v.clientVersion.gitVersion}, server ${v.serverVersion.gitVersion}`)})')
echo "$(date -u '+%Y-%m-%d %H:%M:%S UTC'); $(nproc) cores; $(uptime | sed 's/.*load/load/'); $versions"
NAMESPACE=${SANDBOX_NAMESPACE:-$ns-sandboxes} TENSORBOX_API_URL="$api" TENSORBOX_API_KEY=$(field key <<<"$created") \
  node "$here/run.mjs"
after=$(metrics)
read -r c0 s0 <<<"$before"; read -r c1 s1 <<<"$after"
awk -v c0="$c0" -v s0="$s0" -v c1="$c1" -v s1="$s1" 'BEGIN { n = c1 - c0;
  if (n > 0) printf "\ntensorbox_sandbox_create_to_running_seconds over this run (all api-service pods): %d creates, mean %.1f ms\n", n, (s1 - s0) / n * 1000 }'
echo "$(date -u '+%Y-%m-%d %H:%M:%S UTC'); $(uptime | sed 's/.*load/load/')"
