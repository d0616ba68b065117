package io.tensorbox.api.files;

import io.tensorbox.common.ApiException;

import java.util.regex.Pattern;

/**
 * The checks every files route makes of its parameters before anything reaches the scheduler: a path is
 * a non-empty string without NUL of at most {@link #MAX_PATH} bytes (absolute, or relative to the
 * workspace: the sandbox resolves it), a user a user name as for commands, a depth 1 to {@link #MAX_DEPTH}.
 */
public final class FileParams {
    public static final int MAX_PATH = 4096;
    public static final int MAX_DEPTH = 10;
    private static final Pattern USER = Pattern.compile("[a-z_][a-z0-9_-]{0,31}");
    private static final Pattern DEPTH = Pattern.compile("[0-9]{1,3}");

    private FileParams() {
    }

    public static String path(String field, String value) {
        if (value == null || value.isEmpty()) {
            throw ApiException.invalid("'" + field + "' is required: a path in the sandbox (absolute, or relative to"
                    + " the workspace).");
        }
        if (value.indexOf('\0') >= 0) {
            throw ApiException.invalid("'" + field + "' must not contain NUL.");
        }
        if (value.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_PATH) {
            throw ApiException.invalid("'" + field + "' is longer than " + MAX_PATH + " bytes.");
        }
        return value;
    }

    /** Null (the sandbox's default user) when absent or empty. */
    public static String user(String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        if (!USER.matcher(value).matches()) {
            throw ApiException.invalid("'user' must be a user name ([a-z_][a-z0-9_-]*, at most 32 characters).");
        }
        return value;
    }

    public static int depth(String value) {
        if (value == null || value.isEmpty()) {
            return 1;
        }
        if (!DEPTH.matcher(value).matches() || Integer.parseInt(value) < 1 || Integer.parseInt(value) > MAX_DEPTH) {
            throw ApiException.invalid("'depth' must be an integer from 1 to " + MAX_DEPTH + ".");
        }
        return Integer.parseInt(value);
    }

    public static boolean recursive(String value) {
        if (value == null || value.isEmpty() || value.equals("false")) {
            return false;
        }
        if (value.equals("true")) {
            return true;
        }
        throw ApiException.invalid("'recursive' must be true or false.");
    }

    /** The last segment of a path, for Content-Disposition. */
    public static String name(String path) {
        String p = path.replaceAll("/+$", "");
        int slash = p.lastIndexOf('/');
        String name = slash < 0 ? p : p.substring(slash + 1);
        return name.isEmpty() ? "file" : name;
    }
}
