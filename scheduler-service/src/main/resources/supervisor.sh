# TensorBox process supervisor.
#
# Runs inside a sandbox - a directory on the host or a container reached through pods/exec - and
# needs only /bin/sh, coreutils and setsid. The scheduler installs it as STATE/bin/tbx-<hash> and
# calls `sh STATE/bin/tbx-<hash> VERB STATE ARGS...`. Nothing here relies on stdin reaching EOF.
#
# STATE/procs/<id>/  claim started pid writer.pid stdin(FIFO) stdin.pid stdin-closed ready(FIFO) exit failed
#                    kill-requested
# STATE/logs/proc-<id>.log[.1]
# STATE/events       "exit <id> <status> <exited_at_ms> <killed>" per ended process
#
# Everything under STATE can be written by the sandbox's own processes: ids are checked before they
# become paths, and a pid read back is checked before anything is sent to it.
set -u

ROTATE_BYTES=10485760
# How long a start waits for its supervisor's answer, and a concurrent start (or settle) for the
# outcome of the start that holds the process id. The scheduler's control timeout (15 s) should stay
# above twice this, so that a start or settle it runs ends before its deadline.
START_WAIT=${TBX_START_WAIT:-5}
case $START_WAIT in '' | *[!0-9]* | 0*) START_WAIT=5 ;; esac

# valid_id ID: "proc_" and 24 lowercase hex digits, so that an id never walks out of procs/
valid_id() {
    case $1 in
        proc_*[!0-9a-f]*) return 1 ;;
        proc_*) [ ${#1} -eq 29 ] ;;
        *) return 1 ;;
    esac
}

# valid_pid PID: a process id above 1 (never 0, -1 or 1: "kill -- -0" is our own group, "-1" everyone)
valid_pid() {
    case $1 in
        '' | *[!0-9]* | 0* | 1) return 1 ;;
    esac
    [ ${#1} -le 9 ]
}

# valid_ms MS: a Unix time in milliseconds
valid_ms() {
    case $1 in
        '' | *[!0-9]*) return 1 ;;
    esac
    [ ${#1} -le 15 ]
}

# claim DIR: decides once whether the process is launched (its supervisor claims before launching)
# or given up (a start or settle that waited too long). Created with O_EXCL under noclobber.
claim() {
    set -C
    { echo $$ >"$1/claim"; } 2>/dev/null
    claimed=$?
    set +C
    return $claimed
}

# record_failed DIR REASON: the outcome of a start that runs nothing, written atomically
record_failed() {
    printf '%s\n' "$2" >"$1/failed.$$" && mv -f "$1/failed.$$" "$1/failed"
}

# await_outcome DIR: waits for the start holding DIR to end with "started" or "failed". Past
# START_WAIT it gives the start up, unless its supervisor claimed it; then it waits as long again.
await_outcome() {
    i=0
    tried=
    while [ ! -s "$1/started" ] && [ ! -e "$1/failed" ]; do
        if [ -z "$tried" ] && [ "$i" -ge $((START_WAIT * 20)) ]; then
            tried=1
            if claim "$1"; then
                record_failed "$1" "the start of this process did not complete"
                return
            fi
        fi
        [ "$i" -ge $((START_WAIT * 40)) ] && return
        sleep 0.05
        i=$((i + 1))
    done
}

now_ms() {
    t=$(date +%s%3N)
    case $t in
        *N) t=$(($(date +%s) * 1000)) ;;
    esac
    echo "$t"
}

# start STATE WORKSPACE ID STARTED_MS CWD NENV ENV... ARGV...
# Prints "ok <pid> <started_ms>" or "failed <reason>"; a start of an id that was started before (a
# retry, or a start racing another) answers what "status" says once that start has an outcome, so
# the command runs at most once per id. The caller's clock gives the start time: every fork counts
# on this path.
cmd_start() {
    state=$1 ws=$2 id=$3 started=$4 cwd=$5 nenv=$6
    shift 6
    valid_id "$id" || { echo "failed invalid process id"; return; }
    valid_ms "$started" || { echo "failed invalid start time"; return; }
    case $nenv in '' | *[!0-9]*) echo "failed invalid environment count"; return ;; esac
    [ "$nenv" -lt $# ] || { echo "failed no command"; return; }
    d=$state/procs/$id
    # The lock: mkdir succeeds for exactly one start of this id.
    if ! mkdir "$d" 2>/dev/null; then
        [ -d "$d" ] || { echo "failed cannot create $d"; return; }
        await_outcome "$d"
        cmd_status "$state" "$id"
        return
    fi
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
    # Held read-write: the supervisor's answer waits in the pipe however late this reads it, and the
    # supervisor never blocks on it, even once this start has given up.
    exec 4<>"$d/ready"
    # A session of its own: neither a Ctrl-C of the services, nor a kill of their process group,
    # nor the end of this exec ends the supervisor.
    if ! setsid -f sh "$SELF" supervise "$state" "$id" "$dir" "$started" "$nenv" "$@" </dev/null >/dev/null 2>&1 4>&-; then
        exec 4>&-
        start_failed "$d" "setsid failed"
        return
    fi
    if ! timeout --foreground "$START_WAIT" head -n 1 <&4; then
        if claim "$d"; then
            exec 4>&-
            start_failed "$d" "the supervisor did not answer within $START_WAIT s"
            return
        fi
        # The supervisor claimed the start in time: its answer is on its way.
        if ! timeout --foreground "$START_WAIT" head -n 1 <&4; then
            await_outcome "$d"
            cmd_status "$state" "$id"
        fi
    fi
    exec 4>&-
}

start_failed() {
    record_failed "$1" "$2"
    echo "failed $2"
}

# settle STATE ID: the outcome of a start the caller could not hear the answer of. A start that never
# arrived is recorded failed, so that it cannot run later; otherwise answers "status" once it is known.
cmd_settle() {
    valid_id "$2" || { echo "failed invalid process id"; return; }
    d=$1/procs/$2
    if mkdir "$d" 2>/dev/null; then
        claim "$d"
        start_failed "$d" "the start did not reach the sandbox in time"
        return
    fi
    [ -d "$d" ] || { echo unknown; return; }
    await_outcome "$d"
    cmd_status "$1" "$2"
}

# supervise STATE ID DIR STARTED_MS NENV ARGV... ENV...   (session leader, started by cmd_start)
# Answers exactly once through the ready FIFO, whatever happens, unless its start gave up on it.
cmd_supervise() {
    state=$1 id=$2 dir=$3 started=$4 nenv=$5
    shift 5
    valid_id "$id" || exit 2
    d=$state/procs/$id
    # Launch nothing if the start gave up waiting for us.
    claim "$d" || exit 0
    answered=
    trap '[ -n "$answered" ] || supervise_failed "the supervisor ended before starting the process"' EXIT
    log=$state/logs/proc-$id.log
    # Restore ENV... ARGV... order for env(1).
    i=0
    n=$(($# - nenv))
    while [ "$i" -lt "$n" ]; do
        set -- "$@" "$1"
        shift
        i=$((i + 1))
    done
    cd "$dir" 2>/dev/null || supervise_failed "cannot enter the working directory '$dir'"
    [ -p "$d/stdin" ] && [ -p "$d/out" ] || supervise_failed "the fifos of $d are gone"
    true >>"$log" 2>/dev/null || supervise_failed "cannot write the log $log"
    # Background jobs of a non-interactive shell ignore SIGINT/SIGQUIT; give the process defaults.
    reset_signals=
    read -r reset_signals <"$state/bin/env-flags" 2>/dev/null
    # stdin: the process opens the FIFO read-only, so it reads end of input once no writer is left. The
    # holder - a sleep that never writes - keeps a write end until stdin is closed or the process ends.
    # The FIFO is held read-write first, so that neither open blocks and the process never finds it
    # without a writer; writers (cmd_stdin) open it read-write and never block on the open either.
    # (The log writer first: a function run in the background keeps a copy of every fd it closes.)
    write_log <"$d/out" &
    wpid=$!
    exec 3<>"$d/stdin"
    sleep 2147483647 </dev/null >&3 2>/dev/null &
    hpid=$!
    echo "$hpid" >"$d/stdin.pid"
    setsid env $reset_signals "$@" <"$d/stdin" >"$d/out" 2>&1 3>&- &
    pid=$!
    exec 3>&-
    echo "$pid" >"$d/pid"
    echo "$wpid" >"$d/writer.pid"
    # Written last and in one write: a non-empty "started" means pid is there too.
    echo "$started" >"$d/started"
    answered=1
    printf 'ok %s %s\n' "$pid" "$started" 1<>"$d/ready"
    rm -f "$d/ready"
    wait "$pid"
    status=$?
    ended=$(now_ms)
    kill "$hpid" 2>/dev/null
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
}

# supervise_failed REASON: records why the process was not started and answers the start with it
supervise_failed() {
    answered=1
    record_failed "$d" "$1"
    printf 'failed %s\n' "$1" 1<>"$d/ready"
    rm -f "$d/ready"
    exit 0
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
# A pid or start time that is not a number (the sandbox wrote it) is answered as 0.
cmd_status() {
    valid_id "$2" || { echo unknown; return; }
    d=$1/procs/$2
    if [ -e "$d/failed" ]; then
        reason=
        read -r reason <"$d/failed"
        echo "failed $reason"
    elif [ -s "$d/started" ]; then
        pid= started= ended=
        read -r pid <"$d/pid" 2>/dev/null
        read -r started <"$d/started"
        valid_pid "$pid" || pid=0
        valid_ms "$started" || started=0
        if [ -e "$d/exit" ]; then
            read -r ended <"$d/exit"
            echo "ended $ended $pid $started"
        elif [ "$pid" != 0 ] && kill -0 "$pid" 2>/dev/null; then
            echo "running $pid $started"
        elif [ -e "$d/exit" ]; then
            read -r ended <"$d/exit"
            echo "ended $ended $pid $started"
        elif [ "$pid" != 0 ] && sup= && { read -r sup <"$d/claim"; } 2>/dev/null && valid_pid "$sup" \
            && kill -0 "$sup" 2>/dev/null; then
            # The process has ended and its supervisor is still recording the exit (it lets the log
            # writer drain first): not lost, its exit event is on its way.
            echo "running $pid $started"
        else
            echo "lost $pid $started"
        fi
    else
        echo unknown
    fi
}

# list STATE -> "<id> <status line>" per process; entries that are not process ids are skipped
cmd_list() {
    for d in "$1"/procs/*/; do
        [ -d "$d" ] || continue
        id=${d%/}
        id=${id##*/}
        valid_id "$id" || continue
        echo "$id $(cmd_status "$1" "$id")"
    done
}

# signal STATE ID SIGNAL -> exit 0 sent or already ended, 4 unknown process, 2 bad signal,
#                           5 the pid on record is not one
cmd_signal() {
    valid_id "$2" || return 4
    d=$1/procs/$2
    [ -s "$d/started" ] || { [ -e "$d/failed" ] && return 0; return 4; }
    [ -e "$d/exit" ] && return 0
    case $3 in
        KILL | TERM | INT | QUIT | HUP) : >"$d/kill-requested" ;;
        USR1 | USR2 | CONT | STOP | TSTP | WINCH) ;;
        *) return 2 ;;
    esac
    pid=
    read -r pid <"$d/pid" 2>/dev/null
    valid_pid "$pid" || return 5
    kill -s "$3" -- "-$pid" 2>/dev/null || kill -s "$3" "$pid" 2>/dev/null || true
}

# stdin STATE ID N: copies exactly N bytes of this exec's stdin to the process -> 0, 3 ended, 4 unknown,
#                   6 its stdin was closed
cmd_stdin() {
    valid_id "$2" || return 4
    case $3 in '' | *[!0-9]*) return 2 ;; esac
    d=$1/procs/$2
    [ -p "$d/stdin" ] || return 4
    [ -e "$d/exit" ] && return 3
    [ -e "$d/stdin-closed" ] && return 6
    head -c "$3" 1<>"$d/stdin"
}

# closestdin STATE ID: ends the process's input (it reads end of input once what was written is read)
#                      -> 0 closed (or closed before), 3 ended, 4 unknown
cmd_closestdin() {
    valid_id "$2" || return 4
    d=$1/procs/$2
    [ -e "$d/failed" ] && return 3
    [ -s "$d/started" ] && [ -p "$d/stdin" ] || return 4
    [ -e "$d/exit" ] && return 3
    : >"$d/stdin-closed"
    h=
    read -r h <"$d/stdin.pid" 2>/dev/null
    valid_pid "$h" && kill "$h" 2>/dev/null
    return 0
}

# serve STATE: answers start, status, signal and closestdin requests arriving on stdin, one per line:
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
            start | status | signal | closestdin)
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

# events STATE [FROM_LINE]: "from <line>", then every exit from that line of STATE/events on (1: every
# exit so far), then each new one as it happens. A file shorter than FROM_LINE is a new file: it is
# read from its first line.
cmd_events() {
    mkdir -p "$1" && touch "$1/events"
    from=${2:-1}
    case $from in '' | *[!0-9]* | 0*) from=1 ;; esac
    if [ "$from" -gt 1 ] && [ "$(wc -l <"$1/events")" -lt $((from - 1)) ]; then
        from=1
    fi
    echo "from $from"
    exec tail -n "+$from" -s 0.2 -F "$1/events"
}

# ports STATE MARKER: port discovery. About once a second reads the TCP socket tables
# (/proc/net/tcp, /proc/net/tcp6) of the network namespace it runs in and keeps the LISTEN sockets
# (state 0A). When a socket appeared it maps its inode to an owning pid (one `find` over /proc/*/fd;
# known sockets keep their owner) and, when the set of reported sockets changed (and once at the
# start), prints it whole, framed:
#   tbx-ports <count>
#   p <4|6> <local address:port as in /proc/net/tcp*> <pid or 0>     (count lines)
#   tbx-ports-end
# MARKER (K=V), when not empty, keeps only sockets owned by a process whose environment holds it
# exactly: the socket table is shared with the host (local runtime). Empty: the namespace is the
# sandbox's own (a pod), every socket is reported, with pid 0 when no owner is found.
# Forks per unchanged tick: the `grep` (in a subshell) and the `sleep`; when sockets appeared, a
# subshell with `find`, and a `grep` per candidate owner.
cmd_ports() {
    m=${2-}
    NL='
'
    prev=x
    out=x
    known=' '
    set -f
    while :; do
        # one grep: dash's read takes a byte per system call, too dear on a host's large table
        set=
        IFS=$NL
        for l in $(grep -H ' 0A ' /proc/net/tcp /proc/net/tcp6 2>/dev/null); do
            case $l in
            /proc/net/tcp6:*) v=6 ;;
            /proc/net/tcp:*) v=4 ;;
            *) continue ;;
            esac
            IFS=' '
            set -- ${l#*:}
            IFS=$NL
            [ $# -ge 10 ] && [ "$4" = 0A ] && set="$set$v $2 ${10}$NL"
        done
        if [ "$set" != "$prev" ]; then
            prev=$set
            # sockets not seen last time: only their owners are looked for
            new=' '
            for e in $set; do
                n=${e##* }
                case $known in *" $n:"*) ;; *) new="$new$n " ;; esac
            done
            found=' '
            if [ "$new" != ' ' ]; then
                owners=$(set +f; find /proc/[0-9]*/fd -maxdepth 1 -lname 'socket:\[*' -printf '%h %l\n' 2>/dev/null)
                ok=' ' bad=' '
                for e in $owners; do
                    d=${e%% *} l=${e#* }
                    pid=${d#/proc/}
                    pid=${pid%/fd}
                    n=${l#socket:\[}
                    n=${n%\]}
                    case $pid$n in '' | *[!0-9]*) continue ;; esac
                    case $new in *" $n "*) ;; *) continue ;; esac
                    case $found in *" $n:"*) continue ;; esac
                    if [ -n "$m" ]; then
                        case $bad in *" $pid "*) continue ;; esac
                        case $ok in
                        *" $pid "*) ;;
                        *)
                            if grep -qzxF -e "$m" "/proc/$pid/environ" 2>/dev/null; then
                                ok="$ok$pid "
                            else
                                bad="$bad$pid "
                                continue
                            fi
                            ;;
                        esac
                    fi
                    found="$found$n:$pid "
                done
            fi
            all="$known$found"
            known=' '
            o=
            c=0
            for e in $set; do
                IFS=' '
                set -- $e
                IFS=$NL
                [ $# = 3 ] || continue
                case $all in
                *" $3:"*) p=${all#*" $3:"} p=${p%% *} ;;
                *) p=0 ;;
                esac
                known="$known$3:$p "
                [ -n "$m" ] && [ "$p" = 0 ] && continue
                o="${o}p $1 $2 $p$NL"
                c=$((c + 1))
            done
            if [ "$o" != "$out" ]; then
                out=$o
                printf 'tbx-ports %d\n%stbx-ports-end\n' "$c" "$o" || exit 0
            fi
        fi
        sleep 1
    done
}

# killall STATE: ends every process of the sandbox (before the sandbox is removed)
cmd_killall() {
    for d in "$1"/procs/*/; do
        [ -e "$d/pid" ] && [ ! -e "$d/exit" ] || continue
        pid=
        read -r pid <"$d/pid" 2>/dev/null
        valid_pid "$pid" || continue
        : >"$d/kill-requested"
        kill -s KILL -- "-$pid" 2>/dev/null || true
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
    settle) cmd_settle "$@" ;;
    list) cmd_list "$@" ;;
    signal) cmd_signal "$@" ;;
    stdin) cmd_stdin "$@" ;;
    closestdin) cmd_closestdin "$@" ;;
    events) cmd_events "$@" ;;
    ports) cmd_ports "$@" ;;
    serve) cmd_serve ;;
    killall) cmd_killall "$@" ;;
    *) echo "unknown verb $verb" >&2; exit 2 ;;
esac
