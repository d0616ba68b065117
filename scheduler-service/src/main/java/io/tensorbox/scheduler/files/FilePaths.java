package io.tensorbox.scheduler.files;

import io.tensorbox.common.ApiException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/** A path of the files API as the sandbox sees it: absolute, or relative to the workspace; normalised. */
final class FilePaths {

    /** Linux's PATH_MAX: no longer path can be opened. */
    static final int MAX_PATH_BYTES = 4096;

    private FilePaths() {
    }

    /**
     * {@code path} made absolute (relative: under {@code workspace}) and normalised lexically
     * ({@code .}, {@code ..} and repeated slashes removed; {@code ..} stops at {@code /}). Symlinks
     * are resolved in the sandbox, not here. Empty, NUL-bearing or overlong paths are a 400.
     */
    static String resolve(String workspace, String path, String field) {
        if (path == null || path.isEmpty()) {
            throw ApiException.invalid(field + " is required: an absolute path, or one relative to the workspace");
        }
        if (path.indexOf('\0') >= 0) {
            throw ApiException.invalid(field + " must not contain NUL characters");
        }
        String absolute = path.startsWith("/") ? path : workspace + "/" + path;
        if (absolute.getBytes(StandardCharsets.UTF_8).length > MAX_PATH_BYTES) {
            throw ApiException.invalid(field + " is longer than " + MAX_PATH_BYTES + " bytes");
        }
        Deque<String> parts = new ArrayDeque<>();
        for (String part : absolute.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                parts.pollLast();
            } else {
                parts.addLast(part);
            }
        }
        return "/" + String.join("/", parts);
    }

    /** The last component of an absolute normalised path ({@code /} for the root). */
    static String name(String absolute) {
        if (absolute.equals("/")) {
            return "/";
        }
        return absolute.substring(absolute.lastIndexOf('/') + 1);
    }

    /** {@code base} joined with a path relative to it. */
    static String child(String base, String relative) {
        return base.equals("/") ? "/" + relative : base + "/" + relative;
    }
}
