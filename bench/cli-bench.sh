#!/usr/bin/env bash
# The tensor-box CLI's latency beside its baselines, on the platform TENSORBOX_API_URL names:
#   - start-up: `tensor-box --version` (no request), with and without the start-up cache;
#   - start-up to the first request: `tensor-box sandbox list`;
#   - `tensor-box sandbox exec $SBX true`, with and without the start-up cache;
#   - the same run of `true` as one `curl` POST {runtime_url}/run (no JVM);
#   - the same run through the Java SDK in a warm JVM (commands().run("true") in a loop);
#   - `kubectl exec POD -- true` when KUBECONFIG and a pod are given.
# Prints p50/p99/mean in milliseconds as a markdown table.
#
# Usage: bench/cli-bench.sh [-n N] [SANDBOX_ID]
#   -n N   samples per measure (default 30), after 2 warm-up runs each
#   SANDBOX_ID  a running sandbox to use (default: one is created with curl and deleted at the end)
# Environment: TENSORBOX_API_URL, TENSORBOX_API_KEY (required);
#   KUBECONFIG and TENSORBOX_BENCH_POD (optional, with TENSORBOX_BENCH_NAMESPACE, default
#   tensorbox-sandboxes, and TENSORBOX_BENCH_CONTAINER, default sandbox) for the kubectl row.
set -euo pipefail

N=30
while getopts 'n:h' opt; do
    case $opt in
        n) N=$OPTARG ;;
        *) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
    esac
done
shift $((OPTIND - 1))

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CLI=$ROOT/bin/tensor-box
JAR=$ROOT/cli/target/tensor-box.jar
API=${TENSORBOX_API_URL:-http://localhost:8080}
API=${API%/}
KEY=${TENSORBOX_API_KEY:?set TENSORBOX_API_KEY (and TENSORBOX_API_URL)}
export TENSORBOX_API_URL=$API TENSORBOX_API_KEY=$KEY
[ -f "$JAR" ] || { echo "cli-bench: $JAR is missing; build it: ./mvnw -B -q install -pl cli -am -DskipTests" >&2; exit 2; }
command -v curl >/dev/null || { echo "cli-bench: needs curl" >&2; exit 2; }
if [ "${BASH_VERSINFO[0]}" -lt 5 ]; then
    echo "cli-bench: needs bash 5 (EPOCHREALTIME)" >&2
    exit 2
fi

auth=(-H "Authorization: Bearer $KEY")
SBX=${1:-}
created=""
cleanup() {
    if [ -n "$created" ]; then
        curl -s -o /dev/null -X DELETE "${auth[@]}" "$API/v1/sandboxes/$created" || true
    fi
    [ -n "${WORK:-}" ] && rm -rf "$WORK"
}
trap cleanup EXIT
WORK=$(mktemp -d)

if [ -z "$SBX" ]; then
    answer=$(curl -sf -X POST "${auth[@]}" -H 'Content-Type: application/json' \
        -d '{"metadata":{"bench":"cli"}}' "$API/v1/sandboxes") || { echo "cli-bench: cannot create a sandbox at $API" >&2; exit 1; }
    SBX=$(printf '%s' "$answer" | sed -n 's/.*"id":"\(sbx_[0-9a-f]*\)".*/\1/p')
    created=$SBX
    for _ in $(seq 100); do
        curl -sf "${auth[@]}" "$API/v1/sandboxes/$SBX" | grep -q '"state":"running"' && break
        sleep 0.1
    done
fi

now_us() { local t=${EPOCHREALTIME/[.,]/}; echo "$t"; }

# sample NAME CMD...: N timed runs (after 2 warm-ups) of CMD, output discarded; failures counted.
declare -a ROWS=()
sample() {
    local name=$1
    shift
    local file=$WORK/$(printf '%s' "$name" | tr -c 'a-zA-Z0-9' '_')
    local fails=0 i t0 t1
    for i in 1 2; do "$@" >/dev/null 2>&1 || true; done
    : > "$file"
    for ((i = 0; i < N; i++)); do
        t0=$(now_us)
        if ! "$@" >/dev/null 2>&1; then
            fails=$((fails + 1))
        fi
        t1=$(now_us)
        echo $(( t1 - t0 )) >> "$file"
    done
    ROWS+=("$(stats "$name" "$file" "$fails")")
}

# stats NAME FILE FAILS: a table row from microsecond samples.
stats() {
    sort -n "$2" | awk -v name="$1" -v fails="$3" '
        { v[NR] = $1; sum += $1 }
        END {
            n = NR; p50 = v[int((n - 1) * 0.50) + 1]; p99 = v[int((n - 1) * 0.99 + 0.999999) + 1]
            printf "| %s | %d | %.1f | %.1f | %.1f | %d |", name, n, p50 / 1000, p99 / 1000, sum / n / 1000, fails
        }'
}

curl_run() {
    curl -sf -X POST "${auth[@]}" -H 'Content-Type: application/json' -d '{"cmd":"true"}' \
        "$API/v1/sandboxes/$SBX/run" | grep -q '"exit_code":0'
}

echo "cli-bench: $N samples each against $API, sandbox $SBX" >&2
# make sure the start-up cache exists before the cached rows (the first run trains it in the background)
"$CLI" --version >/dev/null
for _ in $(seq 600); do
    ls "${XDG_CACHE_HOME:-$HOME/.cache}"/tensorbox/tensor-box-*.aot "${XDG_CACHE_HOME:-$HOME/.cache}"/tensorbox/tensor-box-*.jsa \
        >/dev/null 2>&1 && break
    sleep 0.1
done

sample "tensor-box --version (start-up)" "$CLI" --version
sample "tensor-box --version, no start-up cache" env TENSORBOX_CLI_CDS=0 "$CLI" --version
sample "tensor-box sandbox list (start-up to first answer)" "$CLI" sandbox list
sample "tensor-box sandbox list, no start-up cache" env TENSORBOX_CLI_CDS=0 "$CLI" sandbox list
sample "tensor-box sandbox exec SBX true" "$CLI" sandbox exec "$SBX" true
sample "tensor-box sandbox exec SBX true, no start-up cache" env TENSORBOX_CLI_CDS=0 "$CLI" sandbox exec "$SBX" true
sample "curl POST /run {cmd:true}" curl_run

# The same call through the SDK in a warm JVM: one JVM, N runs after a warm-up, timed inside.
java=$(sed -n 2p "${XDG_CACHE_HOME:-$HOME/.cache}/tensorbox/cli-java-home" 2>/dev/null || true)
java=${java:+$java/bin/java}
java=${java:-java}
cat > "$WORK/WarmSdk.java" <<'EOF'
import io.tensorbox.sdk.ConnectionConfig;
import io.tensorbox.sdk.Sandbox;

public class WarmSdk {
    public static void main(String[] a) {
        Sandbox s = Sandbox.connect(a[0], ConnectionConfig.fromEnvironment());
        int n = Integer.parseInt(a[1]);
        for (int i = 0; i < Math.max(20, n / 2); i++) {
            s.commands().run("true");
        }
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            int code = s.commands().run("true").exitCode();
            long t1 = System.nanoTime();
            System.out.println(((t1 - t0) / 1000) + " " + code);
        }
    }
}
EOF
if "$java" -cp "$JAR" "$WORK/WarmSdk.java" "$SBX" "$N" > "$WORK/warm.out" 2>"$WORK/warm.err"; then
    awk '{print $1}' "$WORK/warm.out" > "$WORK/warm.us"
    ROWS+=("$(stats "Java SDK commands().run(\"true\"), warm JVM" "$WORK/warm.us" "$(awk '$2 != 0' "$WORK/warm.out" | wc -l)")")
else
    echo "cli-bench: the warm SDK run failed: $(tail -3 "$WORK/warm.err")" >&2
fi

if [ -n "${KUBECONFIG:-}" ] && [ -n "${TENSORBOX_BENCH_POD:-}" ] && command -v kubectl >/dev/null; then
    sample "kubectl exec POD -- true" kubectl exec -n "${TENSORBOX_BENCH_NAMESPACE:-tensorbox-sandboxes}" \
        -c "${TENSORBOX_BENCH_CONTAINER:-sandbox}" "$TENSORBOX_BENCH_POD" -- true
fi

echo
echo "| measure | n | p50 ms | p99 ms | mean ms | failed |"
echo "| --- | --- | --- | --- | --- | --- |"
printf '%s\n' "${ROWS[@]}"
echo
echo "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?'); $("$java" -version 2>&1 | head -1)"
