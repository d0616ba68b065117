package io.tensorbox.common;

import java.util.List;

/**
 * What api-service asks the scheduler to start. {@code cwd} is already validated to be relative
 * to the workspace root and not to escape it; {@code env} items are {@code KEY=value}.
 */
public record ProcessSpec(String id, List<String> command, List<String> env, String cwd) {
}
