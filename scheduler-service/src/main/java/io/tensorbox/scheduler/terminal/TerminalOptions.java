package io.tensorbox.scheduler.terminal;

import io.tensorbox.common.ApiException;
import io.vertx.core.MultiMap;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The query of a terminal upgrade, checked before anything runs: {@code cols}/{@code rows} (80x24
 * when absent, 1..1000), {@code cmd} a shell line run instead of the login shell, {@code cwd}
 * absolute or relative to the workspace, {@code user} an OS user name. Every refusal is a 400 that
 * names the parameter.
 */
record TerminalOptions(int cols, int rows, String cmd, String cwd, String user) {

    static final int DEFAULT_COLS = 80;
    static final int DEFAULT_ROWS = 24;
    static final int MAX_SIZE = 1000;
    static final int MAX_CMD = 16384;
    static final int MAX_CWD = 4096;

    private static final Pattern SIZE = Pattern.compile("[0-9]{1,4}");
    /** The names useradd accepts (and {@code .}), at most 32 characters. */
    private static final Pattern USER = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]{0,31}");

    static TerminalOptions parse(MultiMap query) {
        int cols = size(query, "cols", DEFAULT_COLS);
        int rows = size(query, "rows", DEFAULT_ROWS);
        String cmd = text(query, "cmd", MAX_CMD);
        String cwd = text(query, "cwd", MAX_CWD);
        String user = one(query, "user");
        if (user != null && user.isEmpty()) {
            user = null;
        }
        if (user != null && !USER.matcher(user).matches()) {
            throw invalid("user must be an OS user name (letters, digits, _ . -, at most 32 characters)");
        }
        return new TerminalOptions(cols, rows, cmd, cwd, user);
    }

    /** {@code size} when valid: an integer from 1 to 1000. */
    static boolean validSize(int size) {
        return size >= 1 && size <= MAX_SIZE;
    }

    private static int size(MultiMap query, String name, int absent) {
        String value = one(query, name);
        if (value == null) {
            return absent;
        }
        if (!SIZE.matcher(value).matches() || !validSize(Integer.parseInt(value))) {
            throw invalid(name + " must be an integer from 1 to " + MAX_SIZE);
        }
        return Integer.parseInt(value);
    }

    /** A text parameter: empty is absent; control characters other than tab and newline are refused. */
    private static String text(MultiMap query, String name, int max) {
        String value = one(query, name);
        if (value == null || value.isEmpty()) {
            return null;
        }
        if (value.length() > max) {
            throw invalid(name + " is longer than " + max + " characters");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) {
                throw invalid(name + " must not contain control characters");
            }
        }
        return value;
    }

    private static String one(MultiMap query, String name) {
        List<String> all = query.getAll(name);
        if (all.size() > 1) {
            throw invalid(name + " is given more than once");
        }
        return all.isEmpty() ? null : all.getFirst();
    }

    private static ApiException invalid(String message) {
        return new ApiException(400, "invalid_request", message);
    }
}
