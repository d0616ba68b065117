package io.tensorbox.common;

import java.util.Map;

/** What api-service asks the scheduler to create: one sandbox of a template, owned by a team. */
public record SandboxSpec(String id, String team, String template, Map<String, String> env) {
}
