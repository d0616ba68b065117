package io.tensorbox.scheduler.terminal;

import jakarta.enterprise.context.ApplicationScoped;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The terminals this replica relays, by sandbox, so that deleting a sandbox ends them: on the local
 * runtime a terminal's shell would otherwise outlive the sandbox's directory until its client left.
 */
@ApplicationScoped
public class OpenTerminals {

    private final ConcurrentHashMap<String, Set<TerminalSession>> bySandbox = new ConcurrentHashMap<>();

    void add(String sandboxId, TerminalSession session) {
        bySandbox.computeIfAbsent(sandboxId, id -> ConcurrentHashMap.newKeySet()).add(session);
    }

    void remove(String sandboxId, TerminalSession session) {
        bySandbox.computeIfPresent(sandboxId, (id, sessions) -> {
            sessions.remove(session);
            return sessions.isEmpty() ? null : sessions;
        });
    }

    /**
     * Kills what runs on every terminal of the sandbox (bounded wait for each); their clients then get
     * the exit message of a killed shell ({@code -1}) and a normal close.
     */
    public void endAll(String sandboxId) {
        Set<TerminalSession> sessions = bySandbox.remove(sandboxId);
        if (sessions != null) {
            sessions.forEach(TerminalSession::endSession);
        }
    }
}
