package io.tensorbox.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tensorbox.sdk.internal.BodyStream;
import io.tensorbox.sdk.internal.Json;
import io.tensorbox.sdk.internal.SseParser;
import io.tensorbox.sdk.internal.Transport;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Runs shell commands in a sandbox through its runtime API. Obtain it from {@link Sandbox#commands()}.
 * Commands are shell lines ({@code bash -l -c}), so pipes, {@code &&} and redirections work.
 *
 * <p>Callbacks ({@link CommandOptions.Builder#onStdout(Consumer)}, ...) are called on the HTTP
 * client's threads, one chunk at a time, in order; the next chunk is read only after the callback
 * returned, so a slow callback slows the stream down rather than buffering it.
 */
public final class Commands {
    private final Transport runtime;
    private final String runtimeUrl;

    Commands(Transport runtime, String runtimeUrl) {
        this.runtime = runtime;
        this.runtimeUrl = runtimeUrl;
    }

    /** Runs a shell command and waits for it; a non-zero exit code is a result, not an error. */
    public CommandResult run(String cmd) {
        return run(cmd, CommandOptions.defaults());
    }

    /**
     * Runs a shell command and waits for it, streaming its stdout and stderr to the callbacks as
     * they arrive. A non-zero exit code is a result, not an error ({@link CommandResult#check()}).
     * When the command is killed (its {@code timeoutMs}, a signal) the exit code is {@code -1}.
     * Interrupting the calling thread closes the request, which kills the command.
     *
     * @throws RequestTimeoutException when the answer's headers do not arrive within the request timeout
     */
    public CommandResult run(String cmd, CommandOptions options) {
        CommandOptions o = options == null ? CommandOptions.defaults() : options;
        RunState state = new RunState(o.onStdout(), o.onStderr());
        SseParser parser = new SseParser((event, data, id) -> state.onEvent(event, data));
        BodyStream stream = new BodyStream(parser::feed);
        HttpRequest req = runtime.request(runtimeUrl + "/run", requestTimeout(o))
                .header("Content-Type", "application/json")
                .header("Accept", "text/event-stream")
                .POST(Transport.jsonBody(body(cmd, o)))
                .build();
        Transport.Opened opened = runtime.open(req).check();
        if (!opened.mediaType().equals("text/event-stream")) {
            // a server that answers with the JSON result instead of a stream
            JsonNode r = Json.parse(opened.readAll());
            CommandResult res = jsonResult(r);
            if (o.onStdout() != null && !res.stdout().isEmpty()) {
                o.onStdout().accept(res.stdout());
            }
            if (o.onStderr() != null && !res.stderr().isEmpty()) {
                o.onStderr().accept(res.stderr());
            }
            return res;
        }
        opened.subscribe(stream);
        Transport.await(stream.done(), stream::cancel, "run");
        parser.finish();
        return state.result();
    }

    private static CommandResult jsonResult(JsonNode r) {
        return new CommandResult(Json.text(r, "stdout", ""), Json.text(r, "stderr", ""),
                Json.intValue(r, "exit_code", -1), Json.bool(r, "timed_out"), Json.longValue(r, "duration_ms", 0),
                Json.bool(r, "truncated"));
    }

    /** The state of a foreground run, fed by its SSE events. */
    private static final class RunState {
        private final Consumer<String> onStdout;
        private final Consumer<String> onStderr;
        private final StringBuilder stdout = new StringBuilder();
        private final StringBuilder stderr = new StringBuilder();
        private JsonNode exit;

        RunState(Consumer<String> onStdout, Consumer<String> onStderr) {
            this.onStdout = onStdout;
            this.onStderr = onStderr;
        }

        void onEvent(String event, String data) {
            switch (event) {
                case "stdout": {
                    String chunk = Json.parse(data).asText();
                    stdout.append(chunk);
                    if (onStdout != null) {
                        onStdout.accept(chunk);
                    }
                    break;
                }
                case "stderr": {
                    String chunk = Json.parse(data).asText();
                    stderr.append(chunk);
                    if (onStderr != null) {
                        onStderr.accept(chunk);
                    }
                    break;
                }
                case "exit":
                    exit = Json.parse(data);
                    break;
                case "error": {
                    JsonNode n = Json.parse(data);
                    JsonNode err = n.has("error") ? n.get("error") : n;
                    throw new TensorBoxException(0, Json.text(err, "code", "stream_error"),
                            Json.text(err, "message", data));
                }
                default:
                    break; // start and future events
            }
        }

        CommandResult result() {
            if (exit == null) {
                throw new TensorBoxException(0, "stream_ended", "the output stream ended before the command exited");
            }
            return new CommandResult(stdout.toString(), stderr.toString(), Json.intValue(exit, "exit_code", -1),
                    Json.bool(exit, "timed_out"), Json.longValue(exit, "duration_ms", 0), Json.bool(exit, "truncated"));
        }
    }

    /** Starts a shell command in the background and streams its output from the start. */
    public CommandHandle runBackground(String cmd) {
        return runBackground(cmd, CommandOptions.defaults());
    }

    /**
     * Starts a shell command in the background and streams its output from its first byte
     * ({@code offset=0}), so nothing is missed. Background output is stdout and stderr merged: every
     * chunk goes to {@code onStdout}; {@code onStderr} is never called. Returns once the command
     * started and the stream is open.
     */
    public CommandHandle runBackground(String cmd, CommandOptions options) {
        CommandOptions o = options == null ? CommandOptions.defaults() : options;
        JsonNode started = runtime.json("POST", runtimeUrl + "/commands", body(cmd, o));
        int pid = Json.intValue(started, "pid", -1);
        String processId = Json.text(started, "process_id");
        String key = processId != null ? processId : String.valueOf(pid);
        return CommandHandle.open(this, pid, processId, streamUrl(key) + "?offset=0", o);
    }

    /** The running commands (exited ones are left out). */
    public List<ProcessInfo> list() {
        return list(false);
    }

    /** The commands; {@code includeExited} adds the ones that ended. */
    public List<ProcessInfo> list(boolean includeExited) {
        JsonNode answer = runtime.json("GET", runtimeUrl + "/commands" + (includeExited ? "?all=true" : ""), null);
        List<ProcessInfo> out = new ArrayList<>();
        for (JsonNode n : Json.array(answer, "commands")) {
            out.add(new ProcessInfo(Json.text(n, "process_id"), Json.intValue(n, "pid", -1), Json.text(n, "cmd"),
                    Json.text(n, "status"), Json.intOrNull(n, "exit_code")));
        }
        return List.copyOf(out);
    }

    /** Attaches to a running command, streaming its output from now on. */
    public CommandHandle connect(int pid) {
        return connect(pid, CommandOptions.defaults());
    }

    /**
     * Attaches to a running command, streaming its output from now on (earlier output is not
     * replayed) to {@code options}' onStdout.
     *
     * @throws NotFoundException when no such command exists
     */
    public CommandHandle connect(int pid, CommandOptions options) {
        CommandOptions o = options == null ? CommandOptions.defaults() : options;
        return CommandHandle.open(this, pid, null, streamUrl(String.valueOf(pid)), o);
    }

    /** Kills a command and everything it started; {@code false} when it is unknown. An ended one gives {@code true}. */
    public boolean kill(int pid) {
        return kill(String.valueOf(pid));
    }

    boolean kill(String pidOrProcessId) {
        return runtime.delete(commandUrl(pidOrProcessId));
    }

    /**
     * Writes to a command's stdin.
     *
     * @throws ConflictException when the command has ended
     * @throws NotFoundException when it is unknown
     */
    public void sendStdin(int pid, String data) {
        Objects.requireNonNull(data, "data");
        runtime.json("POST", commandUrl(String.valueOf(pid)) + "/stdin", Json.object().put("data", data));
    }

    /** Closes a command's stdin (the command reads end of input). */
    public void closeStdin(int pid) {
        runtime.json("POST", commandUrl(String.valueOf(pid)) + "/stdin", Json.object().put("eof", true));
    }

    /** Sends a signal ({@code SIGTERM}, {@code TERM}, {@code INT}, {@code KILL}, ...) to a command. */
    public void signal(int pid, String signal) {
        Objects.requireNonNull(signal, "signal");
        runtime.json("POST", commandUrl(String.valueOf(pid)) + "/signal", Json.object().put("signal", signal));
    }

    Transport runtime() {
        return runtime;
    }

    private String commandUrl(String pidOrProcessId) {
        return runtimeUrl + "/commands/" + Transport.enc(pidOrProcessId);
    }

    private String streamUrl(String pidOrProcessId) {
        return commandUrl(pidOrProcessId) + "/stream";
    }

    static Duration requestTimeout(CommandOptions o) {
        return o.requestTimeoutMs() != null && o.requestTimeoutMs() > 0 ? Duration.ofMillis(o.requestTimeoutMs()) : null;
    }

    /** The command body: only what the user set. */
    static ObjectNode body(String cmd, CommandOptions o) {
        Objects.requireNonNull(cmd, "cmd");
        ObjectNode b = Json.object().put("cmd", cmd);
        if (o.cwd() != null) {
            b.put("cwd", o.cwd());
        }
        if (o.envs() != null && !o.envs().isEmpty()) {
            ObjectNode env = b.putObject("env");
            o.envs().forEach(env::put);
        }
        if (o.user() != null) {
            b.put("user", o.user());
        }
        if (o.timeoutMs() != null) {
            b.put("timeoutMs", o.timeoutMs());
        }
        if (o.stdin() != null) {
            b.put("stdin", o.stdin());
        }
        return b;
    }
}
