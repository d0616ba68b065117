package io.tensorbox.api.process;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.tensorbox.common.ApiException;
import io.tensorbox.api.events.Event;
import io.tensorbox.api.events.Events;
import io.tensorbox.api.sandbox.Sandbox;
import io.tensorbox.api.scheduler.Scheduler;
import io.tensorbox.common.Ids;
import io.tensorbox.common.ProcessSpec;
import io.tensorbox.common.ProcessState;
import io.tensorbox.common.ProcessStatus;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Process records. The record is committed as {@code running} before the scheduler starts the
 * process, so an exit event that overtakes the start answer finds it; the start answer then only
 * fills in pid and start time and never revives a process that already ended.
 */
@ApplicationScoped
public class Processes {
    private static final Logger LOG = Logger.getLogger(Processes.class);
    /** The start of the reason of a process whose start call failed (see {@link ProcessRecord#startUnconfirmed}). */
    public static final String UNCONFIRMED = "the start could not be confirmed: ";

    @Inject
    Scheduler scheduler;

    @Inject
    Events events;

    public ProcessRecord start(String sandboxId, List<String> command, List<String> env, String cwd) {
        return start(sandboxId, new ProcessSpec(Ids.newProcessId(), command, env, cwd), null);
    }

    /**
     * Starts a process from a full spec (a background command of the runtime API: a shell line, a user,
     * a deadline); {@code tag} is the caller's name for it, kept with the record.
     */
    public ProcessRecord start(String sandboxId, ProcessSpec spec, String tag) {
        String id = spec.id();
        List<String> command = spec.command();
        List<String> env = spec.env();
        String cwd = spec.cwd();
        long now = now();
        QuarkusTransaction.requiringNew().run(() -> {
            ProcessRecord p = new ProcessRecord();
            p.id = id;
            p.sandboxId = sandboxId;
            p.command = command;
            p.env = env;
            p.cwd = cwd == null ? "" : cwd;
            p.state = ProcessState.running;
            p.shell = spec.shell();
            p.tag = tag;
            p.exitCode = -1;
            p.createdAt = now;
            p.startedAt = now;
            p.persist();
        });
        ProcessStatus status;
        try {
            status = scheduler.startProcess(sandboxId, spec);
        } catch (ApiException unavailable) {
            // The scheduler may have started it all the same (a timeout, a lost answer): failed for
            // now, and an exit it reports later is still recorded.
            QuarkusTransaction.requiringNew().run(() -> {
                if (ProcessRecord.failUnconfirmed(id, now(), UNCONFIRMED + unavailable.getMessage()) > 0) {
                    exited(sandboxId, id, ProcessState.failed, -1);
                }
            });
            throw unavailable;
        }
        // Column updates only: an exit event may have ended the record meanwhile, and writing the
        // whole entity back would revive it.
        return QuarkusTransaction.requiringNew().call(() -> {
            long startedAt = status.startedAtMs() > 0 ? status.startedAtMs() / 1000 : now;
            ProcessRecord.update("pid = ?1, startedAt = ?2 where id = ?3", status.pid(), startedAt, id);
            events.append(sandboxId, Event.PROCESS_STARTED, Map.of("id", id, "pid", status.pid()));
            if (status.state() != null && status.state().isFinal()) {
                int code = status.state() == ProcessState.exited ? status.exitCode() : -1;
                if (ProcessRecord.finishIfRunning(id, status.state(), code,
                        status.exitedAtMs() > 0 ? status.exitedAtMs() / 1000 : now(), status.reason()) > 0) {
                    exited(sandboxId, id, status.state(), code);
                }
            }
            return ProcessRecord.<ProcessRecord>findById(id);
        });
    }

    /**
     * An exit pushed by the scheduler (ids and state already checked), bound to the sandbox that
     * reported it: unknown ids, processes already ended and processes of another sandbox are left alone.
     */
    public void onExit(ProcessStatus status) {
        long startedAt = status.startedAtMs() > 0 ? status.startedAtMs() / 1000 : now();
        int applied = ProcessRecord.finishReported(status.id(), status.sandboxId(), status.state(), status.exitCode(),
                status.exitedAtMs() > 0 ? status.exitedAtMs() / 1000 : now(), status.reason(), status.pid(), startedAt);
        if (applied > 0) {
            exited(status.sandboxId(), status.id(), status.state(),
                    status.state() == ProcessState.exited ? status.exitCode() : -1);
        } else {
            ProcessRecord p = ProcessRecord.findById(status.id());
            if (p != null && !p.sandboxId.equals(status.sandboxId())) {
                LOG.warnf("Ignored an exit event for process %s reported by sandbox %s: the process belongs to %s",
                        status.id(), status.sandboxId(), p.sandboxId);
            } else {
                LOG.debugf("exit event for process %s changed nothing (unknown or already ended)", status.id());
            }
        }
    }

    /** Kills a running process; one that already ended is left as it is. */
    public void kill(ProcessRecord p) {
        if (p.state != ProcessState.running) {
            return;
        }
        scheduler.kill(p.sandboxId, p.id);
        QuarkusTransaction.requiringNew().run(() -> {
            if (ProcessRecord.finishIfRunning(p.id, ProcessState.killed, -1, now(), "killed through the API") > 0) {
                exited(p.sandboxId, p.id, ProcessState.killed, -1);
            }
        });
    }

    public Sandbox ownedSandbox(String teamId, String sandboxId) {
        return Sandbox.findOwned(sandboxId, teamId).orElseThrow(() -> ApiException.notFound(
                "sandbox_not_found", "No sandbox '" + sandboxId + "'."));
    }

    /** The process, if it belongs to this sandbox of this team. */
    public ProcessRecord owned(String teamId, String sandboxId, String processId) {
        ownedSandbox(teamId, sandboxId);
        ProcessRecord p = Ids.PROCESS.matcher(processId).matches() ? ProcessRecord.findById(processId) : null;
        if (p == null || !p.sandboxId.equals(sandboxId)) {
            throw ApiException.notFound("process_not_found", "No process '" + processId + "' in sandbox " + sandboxId + ".");
        }
        return p;
    }

    /** {@code process.exited} of SPEC §6, in the transaction that recorded the end. */
    private void exited(String sandboxId, String processId, ProcessState state, int exitCode) {
        events.append(sandboxId, Event.PROCESS_EXITED, Map.of("id", processId, "state", state.name(), "exit_code", exitCode));
    }

    static long now() {
        return Instant.now().getEpochSecond();
    }
}
