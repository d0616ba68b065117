package io.tensorbox.scheduler.commands;

import io.tensorbox.common.ApiException;
import io.tensorbox.common.CommandSpec;
import io.tensorbox.common.ProcessSpec;
import io.tensorbox.scheduler.runtime.SandboxLayout;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Turns a command of the runtime API into the argv that is really exec'd, above the drivers, so a
 * command means the same in a pod and on the local runtime. Everything is done inside the sandbox by
 * {@code /bin/sh}, coreutils and util-linux, with as few processes as possible: a run is
 * {@code timeout} (or {@code setsid}), one {@code sh} that ends as the command itself ({@code exec}),
 * and a forked copy of that {@code sh} watching for the caller's departure.
 * <p>
 * Why each piece is inside the sandbox: closing an exec does not end its command in a pod; an exec
 * cannot carry end of input (STACK.md), so stdin is counted in; a deadline kept by the scheduler
 * alone would leave the command running.
 */
public final class CommandLines {

    /** Names a variable may have: what a POSIX shell can {@code export}. */
    static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    /** An OS user name (or uid): nothing a shell or {@code getent} could read as an option. */
    static final Pattern USER = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}\\$?");
    /** Linux refuses a single argument of 128 KiB or more ({@code MAX_ARG_STRLEN}). */
    static final int MAX_ARG_BYTES = 131_071;
    /** All arguments together stay well below the usual 2 MiB {@code ARG_MAX}, environment included. */
    static final int MAX_ARGV_BYTES = 1_000_000;
    /** The header a run's shell prints on stdout before the command starts. */
    static final String STARTED = "tbx-started";
    static final String REFUSED = "tbx-error";
    /** The name the local runtime accepts for the user running TensorBox (the base image's user). */
    static final String DEFAULT_USER = "user";

    /** Starts every run: checks that its process group is not its caller's, since it kills that group. */
    private static final String RUN_START = """
            n=$1 f=$2 u=$3 d=$4 k=$5;shift 5
            tbx_fail(){ echo "tbx-error $1 $2";exit 0;}
            read -r _ _ _ _ g _ </proc/self/stat;c=
            [ "$g" = "$PPID" ]&&read -r c <"/proc/$PPID/comm"
            [ "$g" = "$$" ]||[ "$c" = timeout ]||tbx_fail exec_failed no_group
            exec 3<&0 </dev/null
            """;

    /** Copies exactly N bytes of the exec's stdin to a file created with O_EXCL and makes it stdin. */
    private static final String RUN_STDIN = """
            f=$f.$$;set -C
            true 2>/dev/null >"$f"||{ rm -f -- "$f";true 2>/dev/null >"$f"||tbx_fail exec_failed stdin;}
            set +C;head -c "$n" <&3 >>"$f"||tbx_fail exec_failed stdin
            exec <"$f"
            """;

    /**
     * The watcher, a forked copy of the shell: reads the exec's stdin until end of input - the caller
     * closed the exec - and kills the whole process group, itself included. {@code %s}: what it does
     * first (removing the stdin file).
     * <p>
     * End of input also comes when the exec ends by itself: on a pod the runtime may close the exec's
     * stdin as soon as the command ended, while {@code timeout} (the exec's own process, in the group)
     * has not exited yet; killing the group then would turn every such run into a SIGKILL (seen on the
     * test cluster: 2 runs of {@code true} in 30 ended 137). So when the command ({@code $$}, which the
     * shell became) has already ended - gone, or a zombie - the watcher first lets {@code $PPID}
     * ({@code timeout} or {@code setsid -w}) exit, for at most a second, and only then kills what the
     * command left behind in the group.
     */
    private static final String RUN_WATCHER = """
            { trap '' HUP INT QUIT TERM USR1 USR2 PIPE;%swhile read -r _;do :;done
            s=;while read -r k s _;do [ "$k" = State: ]&&break;done </proc/$$/status 2>/dev/null
            [ -n "$s" ]&&[ "$s" != Z ]&&kill -KILL 0
            i=0;while kill -0 $PPID 2>/dev/null&&[ $i -lt 20 ];do sleep 0.05;i=$((i+1));done;kill -KILL 0;} <&3 >/dev/null 2>&1 &
            exec 3<&-
            """;

    /**
     * Resolves {@code $u} to {@code uid gid} and, when that is not who the exec runs as, sets
     * {@code sw} and the login variables for {@code setpriv}. {@code setpriv} rather than {@code runuser}:
     * it execs the command in place, where runuser keeps a parent of its own that turns a SIGTERM of
     * the group into a second SIGTERM, a SIGKILL two seconds later and a message on stderr.
     */
    private static final String USER_SWITCH = """
            sw=;s=;case $u in +*)u=${u#+};s=1;;esac
            if e=$(getent passwd "$u");then
            IFS=: read -r nm _ uid gid _ hm sh <<E
            $e
            E
            case $uid$gid in ''|*[!0-9]*)tbx_fail invalid_user unknown;;esac
            while read -r key v _;do [ "$key" = Uid: ]&&break;done </proc/self/status
            if [ "$uid" != "$v" ];then if [ "$v" = 0 ];then sw=1;export HOME="$hm" USER="$nm" LOGNAME="$nm" SHELL="${sh:-/bin/sh}";elif [ -z "$s" ];then tbx_fail invalid_user not_root;fi;fi
            elif [ -z "$s" ];then tbx_fail invalid_user unknown;fi
            """;

    private static final String RUN_CWD = """
            cd -- "$d" 2>/dev/null||{ [ -d "$d" ]&&tbx_fail invalid_cwd denied;tbx_fail invalid_cwd missing;}
            """;

    /** The PATH the command will have, from its variables (the last K arguments), to look programs up in. */
    private static final String RUN_LOOKUP_PATH = """
            lp=$PATH;i=$(($#-k))
            for e;do if [ $i -gt 0 ];then i=$((i-1));else case $e in PATH=*)lp=${e#PATH=};;esac;fi;done
            """;

    /** {@code shell LINE} becomes {@code bash -l -c LINE} where bash exists, else {@code sh -c LINE}. */
    private static final String SHELL_PROGRAM = """
            l=$2;shift 2
            if %scommand -v bash >/dev/null 2>&1;then set -- bash -l -c "$l" "$@";else set -- sh -c "$l" "$@";fi
            """;

    /** {@code argv PROGRAM ARGS...}: the program is looked up first, and is missing like in a shell (127). */
    private static final String ARGV_PROGRAM = """
            shift;%scommand -v -- "$1" >/dev/null 2>&1||tbx_not_found "$1"
            """;

    private static final String SWITCH_PROGRAM = """
            [ -z "$sw" ]||set -- setpriv --reuid="$uid" --regid="$gid" --init-groups -- "$@"
            """;

    /**
     * Moves the K variables in front of the program behind a {@code --}, prints the header, exports
     * them and becomes the program: after the exports only positional parameters are read, so a
     * variable the caller names cannot change what runs.
     */
    private static final String RUN_EXPORT_AND_EXEC = """
            p=$(($#-k));set -- "$@" --
            while [ $p -gt 0 ];do set -- "$@" "$1";shift;p=$((p-1));done
            echo "tbx-started $$"
            while [ "$1" != -- ];do export "$1";shift;done;shift;exec "$@"
            """;

    private static final String RUN_NOT_FOUND = """
            tbx_not_found(){ echo "tbx-started $$";printf '%s: command not found\\n' "$1" >&2;exit 127;}
            """;

    private static final String BACKGROUND_START = """
            t=$1 u=$2;shift 2
            tbx_fail(){ if [ "$2" = unknown ];then echo "tensorbox: no user $u in this sandbox" >&2;else echo "tensorbox: cannot run as $u: commands in this sandbox run as another user" >&2;fi;exit 126;}
            tbx_not_found(){ printf '%s: command not found\\n' "$1" >&2;exit 127;}
            """;

    /**
     * The deadline of a background command: a sleeper, forked out of the way (its parent exits at
     * once, so the command never sees an extra child) and deaf to the signals the API sends, kills the
     * process group.
     */
    private static final String BACKGROUND_DEADLINE = """
            ( { trap '' HUP INT QUIT TERM USR1 USR2 PIPE;sleep "$t";kill -KILL 0;} </dev/null >/dev/null 2>&1 & )
            """;

    private CommandLines() {
    }

    /** What a run execs: {@code argv}, and the bytes to write to its stdin ({@code null}: none). */
    public record Run(List<String> argv, byte[] stdin, String cwd) {
    }

    /**
     * The argv of a run of {@code spec} in a sandbox laid out as {@code layout}; {@code switchesUsers}
     * is {@link io.tensorbox.scheduler.runtime.SandboxRuntime#switchesUsers()}. The spec must have
     * passed {@link #validate} and {@link #requireUser}.
     * <p>
     * The run is {@code timeout -s KILL} (or {@code setsid -w}, without a deadline) and one
     * {@code sh -c SCRIPT tbx-run N TMP USER DIR K MODE WORDS... ENV(K)}. The script holds only the
     * parts this command needs (stdin, a user switch, a PATH of its own): on kubernetes it travels in
     * the exec URL. It copies exactly N bytes of stdin to a file (end of input included; none:
     * {@code /dev/null}), forks the watcher that kills the group when the caller closes the exec,
     * switches users, enters DIR, prints {@code tbx-started <its pid>} on stdout, exports the K
     * variables and becomes the command. A refusal is one {@code tbx-error <code> <reason>} line
     * instead. Nothing the command writes can come before the header, so it cannot be forged.
     */
    public static Run run(CommandSpec spec, SandboxLayout layout, boolean switchesUsers) {
        byte[] stdin = spec.stdin() == null ? new byte[0] : spec.stdin().getBytes(StandardCharsets.UTF_8);
        String cwd = resolve(layout, spec.cwd());
        Map<String, String> env = spec.env() == null ? Map.of() : spec.env();
        String user = defaultUser(spec.user(), switchesUsers, true);
        boolean switchUser = user != null;
        String lookup = env.containsKey("PATH") ? "PATH=$lp " : "";
        StringBuilder script = new StringBuilder(RUN_START);
        if (stdin.length > 0) {
            script.append(RUN_STDIN);
        }
        script.append(RUN_WATCHER.formatted(stdin.length > 0 ? "rm -f -- \"$f\";" : ""));
        if (switchUser) {
            script.append(USER_SWITCH);
        }
        script.append(RUN_CWD);
        if (!lookup.isEmpty()) {
            script.append(RUN_LOOKUP_PATH);
        }
        if (spec.shellLine()) {
            script.append(SHELL_PROGRAM.formatted(lookup));
        } else {
            script.append(RUN_NOT_FOUND).append(ARGV_PROGRAM.formatted(lookup));
        }
        if (switchUser) {
            script.append(SWITCH_PROGRAM);
        }
        script.append(env.isEmpty() ? "echo \"tbx-started $$\";exec \"$@\"\n" : RUN_EXPORT_AND_EXEC);

        List<String> argv = new ArrayList<>();
        if (spec.timeoutMs() > 0) {
            argv.addAll(List.of("timeout", "-s", "KILL", seconds(spec.timeoutMs())));
        } else {
            // -w: should the exec already lead its group, setsid forks, and the parent waits for the child
            argv.addAll(List.of("setsid", "-w"));
        }
        argv.addAll(List.of("sh", "-c", script.toString(), "tbx-run", String.valueOf(stdin.length), layout.stateDir() + "/run-stdin",
                switchUser ? user : "", cwd, String.valueOf(env.size())));
        addProgram(argv, spec.shellLine(), spec.shellLine() ? List.of(spec.cmd()) : prepend(spec.cmd(), spec.args()));
        env.forEach((k, v) -> argv.add(k + "=" + v));
        return new Run(List.copyOf(argv), stdin.length == 0 ? null : stdin, cwd);
    }

    /**
     * The argv the supervisor starts for {@code spec}: its command as given when nothing needs a
     * wrapper (a process of seed 000: a missing program is then a {@code failed} start), else
     * {@code sh -c SCRIPT tbx-bg SECONDS USER MODE WORDS...} (a missing program is then an exit with
     * status 127, as in a shell). The supervisor has entered the directory, set the variables and
     * given it a session; the script switches users and arms the deadline. Refusals go to stderr - the
     * process log - with status 126.
     */
    public static List<String> background(ProcessSpec spec, boolean switchesUsers) {
        String user = defaultUser(spec.user(), switchesUsers, spec.runtimeCommand());
        boolean switchUser = user != null;
        if (!spec.runtimeCommand() && !spec.shell() && !switchUser && spec.timeoutMs() <= 0) {
            return spec.command();
        }
        StringBuilder script = new StringBuilder(BACKGROUND_START);
        if (switchUser) {
            script.append(USER_SWITCH);
        }
        if (spec.timeoutMs() > 0) {
            script.append(BACKGROUND_DEADLINE);
        }
        script.append(spec.shell() ? SHELL_PROGRAM.formatted("") : ARGV_PROGRAM.formatted(""));
        if (switchUser) {
            script.append(SWITCH_PROGRAM);
        }
        script.append("exec \"$@\"\n");
        List<String> argv = new ArrayList<>(List.of("sh", "-c", script.toString(), "tbx-bg",
                spec.timeoutMs() > 0 ? seconds(spec.timeoutMs()) : "0", switchUser ? user : ""));
        addProgram(argv, spec.shell(), spec.command());
        return List.copyOf(argv);
    }

    /** What {@link #asUser} answers on stdout when the sandbox refuses the user: {@code err invalid_user <reason>}. */
    private static final String AS_USER = """
            u=$1;shift
            tbx_fail(){ echo "err $1 $2";exit 0;}
            """ + USER_SWITCH + """
            [ -z "$sw" ]||exec setpriv --reuid="$uid" --regid="$gid" --init-groups -- "$@"
            exec "$@"
            """;

    /**
     * For other features' scripts (files): the argv that runs {@code sh -c SCRIPT NAME ARGS...} as
     * {@code user} the way a run of the runtime API would (null: the base image's user where it
     * exists, else whoever execs run as). Where users do not switch (local), the script runs as is,
     * after {@link #requireUser}. A sandbox that refuses the user makes it print one line
     * {@code err invalid_user <unknown|not_root>} on stdout and exit 0.
     */
    public static List<String> asUser(String user, boolean switchesUsers, String script, String name, List<String> args) {
        checkUser(user);
        requireUser(user, switchesUsers);
        String switched = defaultUser(user, switchesUsers, true);
        List<String> argv = new ArrayList<>(args.size() + 8);
        if (switched != null) {
            argv.addAll(List.of("sh", "-c", AS_USER, "tbx-as", switched));
        }
        argv.addAll(List.of("sh", "-c", script, name));
        argv.addAll(args);
        return List.copyOf(argv);
    }

    private static void addProgram(List<String> argv, boolean shell, List<String> words) {
        argv.add(shell ? "shell" : "argv");
        argv.addAll(words);
    }

    private static List<String> prepend(String first, List<String> rest) {
        List<String> all = new ArrayList<>(rest.size() + 1);
        all.add(first);
        all.addAll(rest);
        return all;
    }

    /** {@code cwd} as a path inside the sandbox: absolute as given, relative to the workspace, or the workspace. */
    static String resolve(SandboxLayout layout, String cwd) {
        if (cwd == null || cwd.isEmpty()) {
            return layout.workspaceDir();
        }
        return cwd.startsWith("/") ? cwd : layout.workspaceDir() + "/" + cwd;
    }

    /** A deadline as coreutils reads it: seconds with milliseconds. */
    /**
     * Who a command runs as where users switch: the one asked for, else (for the runtime API) the base
     * image's {@value #DEFAULT_USER} when the sandbox has such a user — {@code +user}, which the script
     * reads as "switch if it exists, else stay who the exec is" — so any image still works. Null: no switch.
     */
    static String defaultUser(String asked, boolean switchesUsers, boolean runtimeCommand) {
        if (!switchesUsers) {
            return null;
        }
        if (asked != null) {
            return asked;
        }
        return runtimeCommand ? "+" + DEFAULT_USER : null;
    }

    static String seconds(long ms) {
        return String.format(Locale.ROOT, "%d.%03d", ms / 1000, ms % 1000);
    }

    /**
     * Checks a run's body; a 400 {@code invalid_request} names the field. Everything here becomes an
     * exec argument, where a NUL cannot travel and a huge string fails the exec itself.
     */
    public static void validate(CommandSpec spec) {
        if (spec == null) {
            throw ApiException.invalid("a command body {\"cmd\", \"args\", \"cwd\", \"env\", \"user\", \"stdin\", \"timeoutMs\"} is required");
        }
        if (spec.cmd() == null || spec.cmd().isBlank()) {
            throw ApiException.invalid("cmd must be a non-empty string");
        }
        Budget budget = new Budget();
        budget.take("cmd", spec.cmd());
        if (spec.args() != null) {
            for (int i = 0; i < spec.args().size(); i++) {
                String arg = spec.args().get(i);
                if (arg == null) {
                    throw ApiException.invalid("args[" + i + "] must be a string");
                }
                budget.take("args[" + i + "]", arg);
            }
        }
        if (spec.cwd() != null) {
            budget.take("cwd", spec.cwd());
        }
        if (spec.env() != null) {
            for (Map.Entry<String, String> e : spec.env().entrySet()) {
                if (e.getKey() == null || !ENV_NAME.matcher(e.getKey()).matches()) {
                    throw ApiException.invalid("env: '" + e.getKey() + "' is not a variable name ([A-Za-z_][A-Za-z0-9_]*)");
                }
                if (e.getValue() == null) {
                    throw ApiException.invalid("env." + e.getKey() + " must be a string");
                }
                budget.take("env." + e.getKey(), e.getKey() + "=" + e.getValue());
            }
        }
        checkUser(spec.user());
        if (spec.timeoutMs() < 0) {
            throw ApiException.invalid("timeoutMs must be 0 (no deadline) or a positive number of milliseconds");
        }
    }

    /** Checks the fields a background command adds to a process; a 400 names the field. */
    public static void validate(ProcessSpec spec) {
        if (spec.shell() && spec.command().size() != 1) {
            throw ApiException.invalid("command of a shell command must be exactly one shell line");
        }
        checkUser(spec.user());
        if (spec.timeoutMs() < 0) {
            throw ApiException.invalid("timeoutMs must be 0 (no deadline) or a positive number of milliseconds");
        }
    }

    private static void checkUser(String user) {
        if (user != null && !USER.matcher(user).matches()) {
            throw ApiException.invalid("user must be a user name of the sandbox (letters, digits, '_', '.', '-'; at most 32)");
        }
    }

    /**
     * On a runtime that cannot switch users (the local one), only the user running TensorBox exists:
     * by its own name or as {@value #DEFAULT_USER}, the base image's user. Any other is a 400
     * {@code invalid_user}, before anything runs.
     */
    public static void requireUser(String user, boolean switchesUsers) {
        if (switchesUsers || user == null || user.equals(DEFAULT_USER) || user.equals(localUser())) {
            return;
        }
        throw new ApiException(400, "invalid_user", "user '" + user + "' does not exist on the local runtime: commands run as '"
                + localUser() + "' (also called '" + DEFAULT_USER + "')");
    }

    static String localUser() {
        return System.getProperty("user.name");
    }

    /** Counts argument bytes against what an exec accepts. */
    private static final class Budget {
        private long total;

        void take(String field, String value) {
            if (value.indexOf('\0') >= 0) {
                throw ApiException.invalid(field + " must not contain NUL characters");
            }
            int bytes = value.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > MAX_ARG_BYTES) {
                throw ApiException.invalid(field + " is longer than " + MAX_ARG_BYTES + " bytes");
            }
            total += bytes;
            if (total > MAX_ARGV_BYTES) {
                throw ApiException.invalid(field + ": the command, its arguments and env together exceed " + MAX_ARGV_BYTES + " bytes");
            }
        }
    }
}
