package io.tensorbox.api.commands;

import com.fasterxml.jackson.annotation.JsonAlias;
import io.tensorbox.common.ApiException;
import io.tensorbox.common.CommandSpec;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The one command body of the runtime API (SPEC §5; seed 001 spells the deadline {@code timeoutMs},
 * {@code timeout_ms} is accepted too). {@link #check} turns it into what the scheduler runs, or names
 * the field that is wrong.
 */
public record CommandBody(String cmd, List<String> args, String cwd, Map<String, String> env,
                          @JsonAlias("timeout_ms") Long timeoutMs, String user, String stdin) {

    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern USER = Pattern.compile("[a-z_][a-z0-9_-]{0,31}");
    /** A day: longer runs belong in the background, where 0 means no deadline at all. */
    static final long MAX_TIMEOUT_MS = 86_400_000L;

    /** The command as the scheduler takes it; {@code defaultTimeoutMs} when the body has none. */
    public static CommandSpec check(CommandBody body, long defaultTimeoutMs) {
        if (body == null) {
            throw ApiException.invalid("The body must be a JSON object with at least 'cmd'.");
        }
        if (body.cmd() == null || body.cmd().isBlank()) {
            throw ApiException.invalid("Field 'cmd' is required: a program (with 'args') or a shell command line.");
        }
        noNul("cmd", body.cmd());
        if (body.args() != null) {
            for (int i = 0; i < body.args().size(); i++) {
                if (body.args().get(i) == null) {
                    throw ApiException.invalid("Field 'args[" + i + "]' must be a string.");
                }
                noNul("args[" + i + "]", body.args().get(i));
            }
        }
        String cwd = body.cwd() == null || body.cwd().isEmpty() ? null : body.cwd();
        if (cwd != null) {
            noNul("cwd", cwd);
        }
        Map<String, String> env = new LinkedHashMap<>();
        if (body.env() != null) {
            body.env().forEach((k, v) -> {
                if (!ENV_NAME.matcher(k).matches()) {
                    throw ApiException.invalid("Field 'env' has the key '" + k
                            + "'; variable names match [A-Za-z_][A-Za-z0-9_]*.");
                }
                if (v == null) {
                    throw ApiException.invalid("Field 'env." + k + "' must be a string.");
                }
                noNul("env." + k, v);
                env.put(k, v);
            });
        }
        long timeoutMs = body.timeoutMs() == null ? defaultTimeoutMs : body.timeoutMs();
        if (timeoutMs < 0 || timeoutMs > MAX_TIMEOUT_MS) {
            throw ApiException.invalid("Field 'timeoutMs' must be between 0 (no deadline) and " + MAX_TIMEOUT_MS + ".");
        }
        String user = body.user() == null || body.user().isEmpty() ? null : body.user();
        if (user != null && !USER.matcher(user).matches()) {
            throw ApiException.invalid("Field 'user' must be a user name ([a-z_][a-z0-9_-]*, at most 32 characters).");
        }
        return new CommandSpec(body.cmd(), body.args() == null ? null : List.copyOf(body.args()), cwd, env, user,
                body.stdin() == null || body.stdin().isEmpty() ? null : body.stdin(), timeoutMs);
    }

    /** The command as the user wrote it: the shell line, or argv joined by spaces. */
    public static String display(String cmd, List<String> args) {
        return args == null || args.isEmpty() ? cmd : cmd + " " + String.join(" ", args);
    }

    private static void noNul(String field, String value) {
        if (value.indexOf('\0') >= 0) {
            throw ApiException.invalid("Field '" + field + "' must not contain NUL characters.");
        }
    }
}
