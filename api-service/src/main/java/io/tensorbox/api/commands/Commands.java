package io.tensorbox.api.commands;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.tensorbox.api.logs.LogRelay;
import io.tensorbox.api.process.ProcessRecord;
import io.tensorbox.api.process.Processes;
import io.tensorbox.api.scheduler.Scheduler;
import io.tensorbox.common.ApiException;
import io.tensorbox.common.CommandSpec;
import io.tensorbox.common.Ids;
import io.tensorbox.common.ProcessSpec;
import io.tensorbox.common.ProcessState;
import io.tensorbox.common.ProcessStatus;
import io.tensorbox.common.Utf8Chunks;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Background commands of the runtime API (SPEC §5). Each is an ordinary process record (§4): the
 * supervisor runs it, its log holds stdout and stderr together, exits are recorded as for every
 * process. This adds how callers of the runtime API name and drive them: by pid or process id, stdin
 * with an end, signals by name, and the output stream.
 */
@ApplicationScoped
public class Commands {
    private static final Logger LOG = Logger.getLogger(Commands.class);
    private static final Pattern PID = Pattern.compile("[1-9][0-9]{0,8}");
    /** The standard signals a caller may send (SPEC §5), without {@code SIG}. */
    static final Set<String> SIGNALS = Set.of("INT", "TERM", "KILL", "HUP", "QUIT", "USR1", "USR2", "STOP", "CONT");
    /** How long the exit of a stream waits for the sandbox to have recorded it, after the log ended. */
    private static final Duration EXIT_WAIT = Duration.ofSeconds(3);
    private static final Duration EXIT_POLL = Duration.ofMillis(50);

    /** A message of an output stream: {@code output} with its text, then one {@code exit}. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Message(String type, String data, Integer exitCode) {
        static Message output(String data) {
            return new Message("output", data, null);
        }

        static Message exit(int code) {
            return new Message("exit", null, code);
        }
    }

    @Inject
    Processes processes;
    @Inject
    Scheduler scheduler;
    @Inject
    LogRelay logs;

    /** Starts a background command; {@code stdin}, if any, is written and then closed. */
    public ProcessRecord start(String sandboxId, CommandSpec spec, String tag) {
        List<String> command = new ArrayList<>();
        command.add(spec.cmd());
        if (spec.args() != null) {
            command.addAll(spec.args());
        }
        List<String> env = spec.env() == null ? List.of() : spec.env().entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()).toList();
        ProcessSpec process = new ProcessSpec(Ids.newProcessId(), command, env, spec.cwd(), spec.shellLine(),
                spec.user(), spec.timeoutMs(), true);
        ProcessRecord started = processes.start(sandboxId, process, tag);
        if (started.state == ProcessState.failed) {
            String reason = started.reason == null ? "" : started.reason;
            if (reason.startsWith("working directory")) {
                QuarkusTransaction.requiringNew().run(() -> ProcessRecord.deleteById(started.id));
                throw new ApiException(400, "invalid_cwd", "Field 'cwd': " + reason + ".");
            }
            throw ApiException.runtimeUnavailable("The command could not be started: " + reason);
        }
        if (spec.stdin() != null) {
            scheduler.stdin(sandboxId, started.id, spec.stdin().getBytes(StandardCharsets.UTF_8));
            scheduler.closeStdin(sandboxId, started.id);
        }
        return started;
    }

    /** The commands of a sandbox, oldest first: the running ones, or all. */
    public List<ProcessRecord> list(String sandboxId, boolean all) {
        return all ? ProcessRecord.list("sandboxId = ?1 order by createdAt, id", sandboxId)
                : ProcessRecord.list("sandboxId = ?1 and state = ?2 order by createdAt, id", sandboxId,
                ProcessState.running);
    }

    /**
     * The process a caller names by pid (the newest with that pid, a running one first) or by process
     * id, in this sandbox.
     */
    public ProcessRecord find(String sandboxId, String pidOrId) {
        ProcessRecord found = null;
        if (pidOrId != null && PID.matcher(pidOrId).matches()) {
            found = ProcessRecord.<ProcessRecord>find("sandboxId = ?1 and pid = ?2 order by case when state = ?3 then 0 else 1 end, createdAt desc",
                    sandboxId, Integer.parseInt(pidOrId), ProcessState.running).firstResult();
        } else if (pidOrId != null && Ids.PROCESS.matcher(pidOrId).matches()) {
            found = ProcessRecord.<ProcessRecord>findByIdOptional(pidOrId).filter(p -> p.sandboxId.equals(sandboxId))
                    .orElse(null);
        }
        if (found == null) {
            throw ApiException.notFound("process_not_found", "No command '" + pidOrId + "' in sandbox " + sandboxId
                    + " (name it by its pid or its process id).");
        }
        return found;
    }

    public void stdin(ProcessRecord p, byte[] data, boolean eof) {
        if (p.state != ProcessState.running) {
            throw ApiException.conflict("process_not_running", "Process " + p.id + " has ended; its stdin is closed.");
        }
        if (data.length > 0) {
            scheduler.stdin(p.sandboxId, p.id, data);
        }
        if (eof) {
            scheduler.closeStdin(p.sandboxId, p.id);
        }
    }

    /** Sends {@code signal} (with or without {@code SIG}); an ended process takes it as a no-op. */
    public void signal(ProcessRecord p, String signal) {
        String name = signal == null ? "" : signal.startsWith("SIG") ? signal.substring(3) : signal;
        if (!SIGNALS.contains(name)) {
            throw ApiException.invalid("Field 'signal' must be one of SIG" + String.join(", SIG", SIGNALS.stream().sorted().toList()) + ".");
        }
        if (p.state != ProcessState.running) {
            return;
        }
        scheduler.signal(p.sandboxId, p.id, name);
    }

    public void kill(ProcessRecord p) {
        processes.kill(p);
    }

    /**
     * The output of a process as messages, from byte {@code offset} of its current log ({@code "end"}:
     * only what comes next), then its exit. Nothing is held: the log is relayed chunk by chunk, and
     * the stream ends when the process and its log writer have.
     */
    public Multi<Message> stream(ProcessRecord p, String offset) {
        return open(p, offset).onItem().transformToMulti(stream -> stream);
    }

    /**
     * As {@link #stream}, once log-service has answered: by then the start ({@code "end"}) is fixed,
     * so output written after this completes is in the stream (a route answers only then), and a
     * missing log fails here, before any answer.
     */
    public Uni<Multi<Message>> open(ProcessRecord p, String offset) {
        if (p.state == ProcessState.failed) {
            return Uni.createFrom().item(Multi.createFrom().item(Message.exit(-1)));
        }
        return FirstItem.of(logs.open(p.sandboxId, p.id, true, offset))
                .map(split -> messages(p, Multi.createBy().concatenating()
                        .streams(Multi.createFrom().item(split.first()), split.rest())));
    }

    private Multi<Message> messages(ProcessRecord p, Multi<io.vertx.core.buffer.Buffer> log) {
        Utf8Chunks text = new Utf8Chunks();
        Multi<Message> output = log
                .map(chunk -> text.next(chunk.getBytes()))
                .filter(s -> !s.isEmpty())
                .map(Message::output);
        Multi<Message> tail = Multi.createFrom().deferred(() -> {
            String rest = text.end();
            return rest.isEmpty() ? Multi.createFrom().empty() : Multi.createFrom().item(Message.output(rest));
        });
        Multi<Message> exit = exitCode(p, System.nanoTime() + EXIT_WAIT.toNanos()).map(Message::exit).toMulti();
        return Multi.createBy().concatenating().streams(output, tail, exit);
    }

    /** The exit status once the sandbox has recorded it (a moment after the log ended), else the record's. */
    private Uni<Integer> exitCode(ProcessRecord p, long deadline) {
        return Uni.createFrom().item(() -> {
                    try {
                        ProcessStatus status = scheduler.status(p.sandboxId, p.id);
                        return status.state() == null || status.state() == ProcessState.running ? null
                                : status.state() == ProcessState.exited ? Integer.valueOf(status.exitCode()) : Integer.valueOf(-1);
                    } catch (ApiException unavailable) {
                        LOG.debugf("no status of %s from the sandbox: %s", p.id, unavailable.getMessage());
                        ProcessRecord record = QuarkusTransaction.requiringNew().call(() -> ProcessRecord.findById(p.id));
                        return record == null || record.state == ProcessState.running ? Integer.valueOf(-1)
                                : Integer.valueOf(record.exitCode);
                    }
                })
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .onItem().ifNull().switchTo(() -> System.nanoTime() > deadline ? Uni.createFrom().item(-1)
                        : Uni.createFrom().voidItem().onItem().delayIt().by(EXIT_POLL)
                        .onItem().transformToUni(ignored -> exitCode(p, deadline)));
    }

    /** {@code ?offset=} of a stream: a byte count, or absent for the current end. */
    static String offset(String raw) {
        if (raw == null) {
            return "end";
        }
        if (!raw.matches("[0-9]{1,15}")) {
            throw ApiException.invalid("Query parameter 'offset' must be a byte count (0 = everything still in the log).");
        }
        return String.valueOf(Long.parseLong(raw));
    }

    static Map<String, Object> startedView(ProcessRecord p) {
        return Map.of("pid", p.pid, "process_id", p.id);
    }
}
