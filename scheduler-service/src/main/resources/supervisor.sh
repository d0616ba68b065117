# TensorBox process supervisor.
#
# Runs inside a sandbox - a directory on the host or a container reached through pods/exec - and
# needs only /bin/sh, coreutils and setsid. The scheduler installs it as STATE/bin/tbx-<hash> and
# calls `sh STATE/bin/tbx-<hash> VERB STATE ARGS...`. Nothing here relies on stdin reaching EOF.
#
# STATE/procs/<id>/  started pid writer.pid stdin(FIFO) exit failed kill-requested
# STATE/logs/proc-<id>.log[.1]
# STATE/events       "exit <id> <status> <exited_at_ms> <killed>" per ended process
set -u

ROTATE_BYTES=10485760

now_ms() {
    t=$(date +%s%3N)
    case $t in
        *N) t=$(($(date +%s) * 1000)) ;;
    esac
    echo "$t"
}

# start STATE WORKSPACE ID STARTED_MS CWD NENV ENV... ARGV...
# Prints "ok <pid> <started_ms>" or "failed <reason>". The caller's clock gives the start time:
# every fork counts on this path.
cmd_start() {
    state=$1 ws=$2 id=$3 started=$4 cwd=$5 nenv=$6
    shift 6
    d=$state/procs/$id
    if [ -e "$d/started" ] || [ -e "$d/failed" ]; then
        # A retried start must not run the command twice.
        cmd_status "$state" "$id"
        return
    fi
    mkdir -p "$d" || { echo "failed cannot create $d"; return; }
    case $cwd in
        "") dir=$ws ;;
        /*) dir=$cwd ;;
        *) dir=$ws/$cwd ;;
    esac
    if [ ! -d "$dir" ]; then
        start_failed "$d" "working directory '$cwd' does not exist"
        return
    fi
    lookup_path=$PATH
    i=0
    for e in "$@"; do
        [ "$i" -lt "$nenv" ] || break
        case $e in PATH=*) lookup_path=${e#PATH=} ;; esac
        i=$((i + 1))
    done
    i=0
    while [ "$i" -lt "$nenv" ]; do
        set -- "$@" "$1"
        shift
        i=$((i + 1))
    done
    # "$@" is now ARGV... ENV...; ARGV[0] is $1.
    if ! (cd "$dir" && PATH=$lookup_path command -v -- "$1") >/dev/null 2>&1; then
        start_failed "$d" "command not found: $1"
        return
    fi
    mkfifo "$d/stdin" "$d/ready" "$d/out" || { start_failed "$d" "cannot create fifos in $d"; return; }
    # A session of its own: neither a Ctrl-C of the services, nor a kill of their process group,
    # nor the end of this exec ends the supervisor.
    setsid -f sh "$SELF" supervise "$state" "$id" "$dir" "$started" "$nenv" "$@" </dev/null >/dev/null 2>&1 ||
        { start_failed "$d" "setsid failed"; return; }
    read -r line <"$d/ready"
    echo "$line"
}

start_failed() {
    printf '%s\n' "$2" >"$1/failed"
    echo "failed $2"
}

# supervise STATE ID DIR STARTED_MS NENV ARGV... ENV...   (session leader, started by cmd_start)
cmd_supervise() {
    state=$1 id=$2 dir=$3 started=$4 nenv=$5
    shift 5
    d=$state/procs/$id
    log=$state/logs/proc-$id.log
    # Restore ENV... ARGV... order for env(1).
    i=0
    n=$(($# - nenv))
    while [ "$i" -lt "$n" ]; do
        set -- "$@" "$1"
        shift
        i=$((i + 1))
    done
    # Held read-write so writers never block and the process never sees EOF on stdin.
    exec 3<>"$d/stdin"
    : >>"$log"
    write_log <"$d/out" &
    wpid=$!
    # Background jobs of a non-interactive shell ignore SIGINT/SIGQUIT; give the process defaults.
    reset_signals=
    read -r reset_signals <"$state/bin/env-flags"
    cd "$dir" || exit 1
    setsid env $reset_signals "$@" <&3 >"$d/out" 2>&1 3>&- &
    pid=$!
    echo "$started" >"$d/started"
    echo "$pid" >"$d/pid"
    echo "$wpid" >"$d/writer.pid"
    echo "ok $pid $started" >"$d/ready"
    rm -f "$d/ready"
    wait "$pid"
    status=$?
    ended=$(now_ms)
    # Let the writer drain what the process wrote last; children that keep the pipe open don't hold us.
    i=0
    while kill -0 "$wpid" 2>/dev/null && [ "$i" -lt 100 ]; do
        sleep 0.01
        i=$((i + 1))
    done
    killed=0
    [ -e "$d/kill-requested" ] && killed=1
    printf '%s %s %s\n' "$status" "$ended" "$killed" >"$d/exit.tmp"
    mv -f "$d/exit.tmp" "$d/exit"
    printf 'exit %s %s %s %s\n' "$id" "$status" "$ended" "$killed" >>"$state/events"
    exec 3>&-
}

# Copies stdin to the log; at exactly ROTATE_BYTES the log becomes .log.1 and a new one starts.
# head -c never reads past the limit, so no byte is lost or written twice at a roll; stdbuf -o0
# makes it write each chunk as it arrives instead of when its buffer fills.
write_log() {
    while :; do
        size=$(wc -c <"$log")
        stdbuf -o0 head -c $((ROTATE_BYTES - size)) >>"$log" || break
        [ "$(wc -c <"$log")" -lt "$ROTATE_BYTES" ] && break
        ln -f "$log" "$log.1"
        : >"$log.new"
        mv -f "$log.new" "$log"
    done
}

# install STATE: once per sandbox, after the script itself was put in STATE/bin
cmd_install() {
    mkdir -p "$1/procs" "$1/logs" || return 1
    touch "$1/events"
    flags=
    env --default-signal true 2>/dev/null && flags=--default-signal
    echo "$flags" >"$1/bin/env-flags.$$" && mv -f "$1/bin/env-flags.$$" "$1/bin/env-flags"
}

# status STATE ID -> "running <pid> <started_ms>" | "ended <status> <exited_ms> <killed> <pid> <started_ms>"
#                  | "lost <pid> <started_ms>" | "failed <reason>" | "unknown"
cmd_status() {
    d=$1/procs/$2
    if [ -e "$d/failed" ]; then
        read -r reason <"$d/failed"
        echo "failed $reason"
    elif [ -e "$d/pid" ] && [ -e "$d/started" ]; then
        read -r pid <"$d/pid"
        read -r started <"$d/started"
        if [ -e "$d/exit" ]; then
            read -r ended <"$d/exit"
            echo "ended $ended $pid $started"
        elif kill -0 "$pid" 2>/dev/null; then
            echo "running $pid $started"
        elif [ -e "$d/exit" ]; then
            read -r ended <"$d/exit"
            echo "ended $ended $pid $started"
        else
            echo "lost $pid $started"
        fi
    else
        echo unknown
    fi
}

# list STATE -> "<id> <status line>" per process
cmd_list() {
    for d in "$1"/procs/*/; do
        [ -d "$d" ] || continue
        id=${d%/}
        id=${id##*/}
        echo "$id $(cmd_status "$1" "$id")"
    done
}

# signal STATE ID SIGNAL -> exit 0 sent or already ended, 4 unknown process
cmd_signal() {
    d=$1/procs/$2
    [ -e "$d/pid" ] || { [ -e "$d/failed" ] && return 0; return 4; }
    [ -e "$d/exit" ] && return 0
    case $3 in
        KILL | TERM | INT | QUIT | HUP) : >"$d/kill-requested" ;;
    esac
    pid=$(cat "$d/pid")
    kill -s "$3" -- "-$pid" 2>/dev/null || kill -s "$3" "$pid" 2>/dev/null || true
}

# stdin STATE ID N: copies exactly N bytes of this exec's stdin to the process -> 0, 3 ended, 4 unknown
cmd_stdin() {
    d=$1/procs/$2
    [ -p "$d/stdin" ] || return 4
    [ -e "$d/exit" ] && return 3
    head -c "$3" 1<>"$d/stdin"
}

# serve STATE: answers start, status and signal requests arriving on stdin, one per line:
# "<req> <verb> STATE <args...>", every argument single-quoted by the caller (a newline inside an
# argument is written '"$NL"'). Each answer is one line "<req> <exit status> <output line>", written
# by one printf - a single write - so answers of concurrent requests never interleave. One such
# exec per sandbox spares every process start the cost of a fresh exec (a pods/exec round trip).
cmd_serve() {
    NL='
'
    while IFS= read -r line; do
        eval "set -- $line"
        req=$1 verb=$2
        shift 2
        case $verb in
            start | status | signal)
                (
                    out=$(cmd_$verb "$@")
                    st=$?
                    printf '%s %s %s\n' "$req" "$st" "$out"
                ) </dev/null &
                ;;
            *) printf '%s 2 unknown verb %s\n' "$req" "$verb" ;;
        esac
        jobs >/dev/null # reaps answered requests
    done
}

# events STATE: every exit so far, then each new one as it happens
cmd_events() {
    mkdir -p "$1" && touch "$1/events"
    exec tail -n +1 -s 0.2 -F "$1/events"
}

# killall STATE: ends every process of the sandbox (before the sandbox is removed)
cmd_killall() {
    for d in "$1"/procs/*/; do
        [ -e "$d/pid" ] && [ ! -e "$d/exit" ] || continue
        : >"$d/kill-requested"
        kill -s KILL -- "-$(cat "$d/pid")" 2>/dev/null || true
    done
}

SELF=$0
verb=$1
shift
case $verb in
    install) cmd_install "$@" ;;
    start) cmd_start "$@" ;;
    supervise) cmd_supervise "$@" ;;
    status) cmd_status "$@" ;;
    list) cmd_list "$@" ;;
    signal) cmd_signal "$@" ;;
    stdin) cmd_stdin "$@" ;;
    events) cmd_events "$@" ;;
    serve) cmd_serve ;;
    killall) cmd_killall "$@" ;;
    *) echo "unknown verb $verb" >&2; exit 2 ;;
esac
