package io.tensorbox.api.process;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import io.tensorbox.common.ProcessState;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import java.util.List;

@Entity
@Table(name = "processes")
public class ProcessRecord extends PanacheEntityBase {
    @Id
    public String id;
    public String sandboxId;
    @JdbcTypeCode(SqlTypes.JSON)
    public List<String> command;
    @JdbcTypeCode(SqlTypes.JSON)
    public List<String> env;
    public String cwd;
    public int pid;
    @Enumerated(EnumType.STRING)
    public ProcessState state;
    public int exitCode;
    public String reason;
    public long createdAt;
    public long startedAt;
    public long exitedAt;
    /** The start call failed, but the scheduler may have started it: a reported exit still applies. */
    public boolean startUnconfirmed;
    /** A background command of the runtime API written as a shell line: {@code command} is that one line. */
    public boolean shell;
    /** The caller's name for it (Connect RPC's {@code tag}); may be null. */
    public String tag;

    /** The ids of the sandbox's running processes. */
    public static List<String> runningIds(String sandboxId) {
        return find("sandboxId = ?1 and state = ?2", sandboxId, ProcessState.running).project(IdOnly.class)
                .list().stream().map(IdOnly::id).toList();
    }

    /** A projection of the id column. */
    public record IdOnly(String id) {
    }

    /** The processes of a sandbox that is gone are gone too. */
    public static void killAllRunning(String sandboxId, long at) {
        update("state = ?1, exitCode = -1, exitedAt = ?2 where sandboxId = ?3 and state = ?4",
                ProcessState.killed, at, sandboxId, ProcessState.running);
    }

    /** Records an end once: only a process still {@code running} changes, so repeated events are harmless. */
    public static int finishIfRunning(String id, ProcessState state, int exitCode, long exitedAt, String reason) {
        return update("state = ?1, exitCode = ?2, exitedAt = ?3, reason = ?4 where id = ?5 and state = ?6",
                state, state == ProcessState.exited ? exitCode : -1, exitedAt, reason, id, ProcessState.running);
    }

    /** A start whose answer never came: {@code failed} for now, but a later reported exit still applies. */
    public static int failUnconfirmed(String id, long at, String reason) {
        return update("state = ?1, exitCode = -1, exitedAt = ?2, reason = ?3, startUnconfirmed = true"
                + " where id = ?4 and state = ?5", ProcessState.failed, at, reason, id, ProcessState.running);
    }

    /**
     * An end reported by the sandbox {@code sandboxId}: applied once, only to a process of that sandbox
     * that is running or whose start was never confirmed. The count of records changed (0 or 1).
     */
    public static int finishReported(String id, String sandboxId, ProcessState state, int exitCode, long exitedAt,
                                     String reason, int pid, long startedAt) {
        if (pid > 0) {
            update("pid = ?1, startedAt = ?2 where id = ?3 and sandboxId = ?4 and startUnconfirmed = true",
                    pid, startedAt, id, sandboxId);
        }
        return update("state = ?1, exitCode = ?2, exitedAt = ?3, reason = ?4, startUnconfirmed = false"
                        + " where id = ?5 and sandboxId = ?6 and (state = ?7 or startUnconfirmed = true)",
                state, state == ProcessState.exited ? exitCode : -1, exitedAt, reason, id, sandboxId,
                ProcessState.running);
    }
}
