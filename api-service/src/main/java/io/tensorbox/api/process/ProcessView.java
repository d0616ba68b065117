package io.tensorbox.api.process;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.util.List;

/** Seed 000, exactly: times in Unix seconds, {@code exit_code} -1 and {@code exited_at} 0 while running. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ProcessView(String id, String sandboxId, List<String> command, int pid, String state,
                          int exitCode, long startedAt, long exitedAt) {

    static ProcessView of(ProcessRecord p) {
        return new ProcessView(p.id, p.sandboxId, p.command, p.pid, p.state.name(), p.exitCode, p.startedAt,
                p.exitedAt);
    }
}
