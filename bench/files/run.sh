#!/usr/bin/env bash
# Issue 12: a 100 MiB upload and download through the files API
#   PUT/GET {api}/v1/sandboxes/{id}/files?path=   (curl, streamed from/to a file)
# beside, in the same run, on the same sandbox:
#   local runtime:  plain `cp` of the file into / out of the sandbox's workspace directory
#   kubernetes:     `kubectl cp` of the file into / out of the sandbox pod (container `sandbox`)
# RUNS (5) runs of each, alternated run by run; every download is compared with the source
# (cmp, not timed). Prints a markdown table: median and max seconds, MiB/s at the median and at the max.
#
#   bench/files/run.sh local      [API_URL=http://localhost:18080]  [ADMIN_KEY_FILE=/work/devhome/admin-key] [RUNS=5]
#   KUBECONFIG=/opt/kube/admin.kubeconfig \
#   bench/files/run.sh kubernetes [API_URL=http://localhost:28080]  [ADMIN_KEY_FILE=/work/benchhome/admin-key] [RUNS=5]
# NAMESPACE (tensorbox-sandboxes) names the sandbox pods' namespace; SIZE_MIB (100) the file size.
set -euo pipefail
runtime=${1:?local or kubernetes}
case $runtime in
  local) api=${2:-http://localhost:18080}; adminfile=${3:-/work/devhome/admin-key} ;;
  kubernetes) api=${2:-http://localhost:28080}; adminfile=${3:-/work/benchhome/admin-key} ;;
  *) echo "runtime: local or kubernetes" >&2; exit 2 ;;
esac
runs=${4:-5}
ns=${NAMESPACE:-tensorbox-sandboxes}
size_mib=${SIZE_MIB:-100}
admin=$(cat "$adminfile")
work=$(mktemp -d /tmp/tb-files-bench.XXXXXX)
json() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s);console.log(process.argv[1].split(".").reduce((o,k)=>o[k],v))})' "$1"; }

key=$(curl -fsS -X POST -H "authorization: Bearer $admin" -H 'content-type: application/json' \
  "$api/v1/api-keys" -d '{"name":"bench-files","role":"developer"}' | json key)
auth="authorization: Bearer $key"
sbx=$(curl -fsS -X POST -H "$auth" -H 'content-type: application/json' "$api/v1/sandboxes" \
  -d '{"timeout_seconds":1800,"metadata":{"bench":"files"}}' | json id)
cleanup() {
  curl -s -o /dev/null -X DELETE -H "$auth" "$api/v1/sandboxes/$sbx" || true
  rm -rf "$work"
}
trap cleanup EXIT
# wait until running (bounded)
deadline=$((SECONDS + 180))
until [ "$(curl -fsS -H "$auth" "$api/v1/sandboxes/$sbx" | json state)" = running ]; do
  [ $SECONDS -lt $deadline ] || { echo "sandbox $sbx not running after 180 s" >&2; exit 1; }
  sleep 0.2
done

head -c $((size_mib * 1048576)) /dev/urandom > "$work/src.bin"
# where the file lands, as the files API reports it
dest=$(curl -fsS -X PUT -H "$auth" --data-binary @/dev/null "$api/v1/sandboxes/$sbx/files?path=bench/probe" | json path)
dir=$(dirname "$dest")
pod=${sbx//_/-}
ms() { echo $(( $(date +%s%N) / 1000000 )); }
declare -A t
add() { t[$1]="${t[$1]:-} $2"; }

step() { # name command...
  local a b; a=$(ms); "${@:2}"; b=$(ms); add "$1" $((b - a))
}
api_up()   { curl -fsS -o /dev/null -X PUT -H "$auth" -T "$work/src.bin" "$api/v1/sandboxes/$sbx/files?path=bench/api.bin"; }
api_down() { curl -fsS -o "$work/api.out" -H "$auth" "$api/v1/sandboxes/$sbx/files?path=bench/api.bin"; }
if [ "$runtime" = local ]; then
  base="plain cp"
  b_up()   { cp "$work/src.bin" "$dir/cp.bin"; }
  b_down() { cp "$dir/cp.bin" "$work/base.out"; }
else
  base="kubectl cp"
  b_up()   { kubectl cp -n "$ns" -c sandbox "$work/src.bin" "$pod:$dir/cp.bin" >/dev/null; }
  b_down() { kubectl cp -n "$ns" -c sandbox "$pod:$dir/cp.bin" "$work/base.out" >/dev/null 2>&1; }
fi

echo "$(date -u '+%Y-%m-%d %H:%M:%S UTC'); $runtime; sandbox $sbx; $(uptime | sed 's/.*load/load/')"
for ((i = 0; i < runs; i++)); do
  if ((i % 2 == 0)); then
    step api_up api_up; step api_down api_down; step b_up b_up; step b_down b_down
  else
    step b_up b_up; step b_down b_down; step api_up api_up; step api_down api_down
  fi
  cmp -s "$work/src.bin" "$work/api.out" || { echo "files API download differs from the source" >&2; exit 1; }
  cmp -s "$work/src.bin" "$work/base.out" || { echo "$base download differs from the source" >&2; exit 1; }
  rm -f "$work/api.out" "$work/base.out"
done
echo "$(date -u '+%Y-%m-%d %H:%M:%S UTC'); $(uptime | sed 's/.*load/load/')"
echo
echo "$size_mib MiB file, $runs runs each, alternated; $runtime runtime"
echo
echo '| transfer | median s | max s | MiB/s at median | MiB/s at max |'
echo '| --- | --- | --- | --- | --- |'
row() { # label key
  # shellcheck disable=SC2086
  printf '%s\n' ${t[$2]} | sort -n | awk -v label="$1" -v mib="$size_mib" '
    { v[NR] = $1 } END {
      med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; max = v[NR]
      printf "| %s | %.2f | %.2f | %.0f | %.0f |\n", label, med / 1000, max / 1000, mib / (med / 1000), mib / (max / 1000) }'
}
row "upload, PUT /files (curl)" api_up
row "upload, $base" b_up
row "download, GET /files (curl)" api_down
row "download, $base" b_down
