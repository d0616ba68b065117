package io.tensorbox.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import io.tensorbox.sdk.internal.BodyStream;
import io.tensorbox.sdk.internal.Json;
import io.tensorbox.sdk.internal.SseParser;
import io.tensorbox.sdk.internal.Transport;
import java.net.http.HttpRequest;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A command running in the background, with its output streaming in (stdout and stderr merged).
 * Made by {@link Commands#runBackground(String, CommandOptions)} and {@link Commands#connect(int)}.
 * The stream holds no thread while idle. Thread-safe.
 */
public final class CommandHandle {
    private final Commands commands;
    private final int pid;
    private final String processId;
    private final Consumer<String> onStdout;
    private final StringBuilder output = new StringBuilder();
    private final CompletableFuture<CommandResult> result = new CompletableFuture<>();
    private final BodyStream stream;
    private final SseParser parser;

    private CommandHandle(Commands commands, int pid, String processId, Consumer<String> onStdout) {
        this.commands = commands;
        this.pid = pid;
        this.processId = processId;
        this.onStdout = onStdout;
        this.parser = new SseParser((event, data, id) -> onEvent(event, data));
        this.stream = new BodyStream(parser::feed);
    }

    static CommandHandle open(Commands commands, int pid, String processId, String streamUrl, CommandOptions o) {
        CommandHandle h = new CommandHandle(commands, pid, processId, o.onStdout());
        HttpRequest req = commands.runtime().request(streamUrl, Commands.requestTimeout(o))
                .header("Accept", "text/event-stream")
                .GET()
                .build();
        Transport.Opened opened = commands.runtime().open(req).check();
        opened.subscribe(h.stream);
        h.stream.done().whenComplete((v, err) -> h.ended(err));
        return h;
    }

    private void onEvent(String event, String data) {
        JsonNode n = Json.parse(data);
        String type = Json.text(n, "type", event);
        if ("output".equals(type)) {
            String chunk = Json.text(n, "data", "");
            synchronized (output) {
                output.append(chunk);
            }
            if (onStdout != null) {
                onStdout.accept(chunk);
            }
        } else if ("exit".equals(type)) {
            result.complete(new CommandResult(stdout(), "", Json.intValue(n, "exit_code", -1),
                    Json.bool(n, "timed_out"), Json.longValue(n, "duration_ms", 0), Json.bool(n, "truncated")));
        } else if ("error".equals(type)) {
            JsonNode err = n.has("error") ? n.get("error") : n;
            result.completeExceptionally(new TensorBoxException(0, Json.text(err, "code", "stream_error"),
                    Json.text(err, "message", data)));
        }
    }

    private void ended(Throwable err) {
        parser.finish();
        if (result.isDone()) {
            return;
        }
        Throwable cause = err instanceof java.util.concurrent.CompletionException && err.getCause() != null
                ? err.getCause() : err;
        if (cause != null && !(cause instanceof java.util.concurrent.CancellationException)) {
            // the connection failed, or an onStdout callback threw (that exception comes back as is)
            result.completeExceptionally(io.tensorbox.sdk.internal.Errors.fromThrowable(cause,
                    "output stream of command " + pid));
        } else if (stream.isCancelled()) {
            result.completeExceptionally(new TensorBoxException(0, "disconnected",
                    "the handle was disconnected; the command keeps running (use Commands.connect(pid))"));
        } else {
            result.completeExceptionally(new TensorBoxException(0, "stream_ended",
                    "the output stream of command " + pid + " ended before it exited"));
        }
    }

    /** The operating-system pid. */
    public int pid() {
        return pid;
    }

    /** The platform's process id ({@code proc_...}); {@code null} when attached by {@link Commands#connect(int)}. */
    public String processId() {
        return processId;
    }

    /**
     * Waits for the command to end. The result's stdout is all output received (stdout and stderr
     * merged), stderr is empty, the exit code is {@code -1} when the command was killed.
     *
     * @throws TensorBoxException with code {@code disconnected} after {@link #disconnect()}
     */
    public CommandResult waitFor() {
        return Transport.await(result, () -> { }, "waiting for command " + pid);
    }

    /** Completes when the command ends (see {@link #waitFor()}). */
    public CompletableFuture<CommandResult> result() {
        return result;
    }

    /** Kills the command and everything it started; {@code false} when it was unknown. */
    public boolean kill() {
        return commands.kill(processId != null ? processId : String.valueOf(pid));
    }

    /** Stops streaming; the command keeps running. {@link #waitFor()} then fails with code {@code disconnected}. */
    public void disconnect() {
        stream.cancel();
    }

    /** The output received so far (stdout and stderr merged). */
    public String stdout() {
        synchronized (output) {
            return output.toString();
        }
    }

    @Override
    public String toString() {
        return "CommandHandle[pid=" + pid + (processId == null ? "" : ", processId=" + processId) + "]";
    }
}
