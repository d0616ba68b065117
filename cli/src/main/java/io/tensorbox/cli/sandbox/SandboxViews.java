package io.tensorbox.cli.sandbox;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import io.tensorbox.cli.Json;
import io.tensorbox.cli.Table;
import io.tensorbox.cli.Times;
import io.tensorbox.sdk.SandboxInfo;

/** How a sandbox shows: JSON with the API's field names, or a human table / record. */
final class SandboxViews {
    private SandboxViews() {
    }

    static Map<String, Object> json(SandboxInfo s) {
        return Json.object("id", s.id(), "template", s.template(), "state", s.state(),
                "created_at", s.createdAt(), "started_at", s.startedAt(), "expires_at", s.expiresAt(),
                "metadata", s.metadata() == null ? Map.of() : s.metadata(), "runtime_url", s.runtimeUrl());
    }

    static String metadata(SandboxInfo s) {
        if (s.metadata() == null || s.metadata().isEmpty()) {
            return "";
        }
        return s.metadata().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
    }

    static Table table(List<SandboxInfo> list) {
        Table t = new Table("ID", "TEMPLATE", "STATE", "CREATED", "EXPIRES", "METADATA");
        for (SandboxInfo s : list) {
            t.row(s.id(), s.template(), s.state(), Times.relative(s.createdAt()), Times.relative(s.expiresAt()), metadata(s));
        }
        return t;
    }

    static String record(SandboxInfo s) {
        return Table.keyValues("id", s.id(), "template", s.template(), "state", s.state(),
                "created", Times.both(s.createdAt()), "started", Times.both(s.startedAt()),
                "expires", Times.both(s.expiresAt()), "metadata", metadata(s), "runtime_url", s.runtimeUrl());
    }
}
