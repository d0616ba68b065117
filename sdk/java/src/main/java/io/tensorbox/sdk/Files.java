package io.tensorbox.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tensorbox.sdk.internal.Errors;
import io.tensorbox.sdk.internal.Json;
import io.tensorbox.sdk.internal.Transport;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * {@code sandbox.files()}: read, write, list and watch the files of a sandbox (runtime API,
 * {@code /files}). Paths are absolute inside the sandbox or relative to the workspace; the rights
 * are those of the command user. Thread-safe.
 *
 * <pre>{@code
 * sandbox.files().write("hello.txt", "hi\n");
 * String text = sandbox.files().read("hello.txt");
 * try (InputStream in = sandbox.files().readStream("big.bin")) { ... }
 * }</pre>
 */
public final class Files {
    private static final int MAX_ERROR_BODY = 64 * 1024;

    private final Transport runtime;
    private final String runtimeUrl;

    Files(Transport runtime, String runtimeUrl) {
        this.runtime = runtime;
        this.runtimeUrl = runtimeUrl;
    }

    private static FileOptions opts(FileOptions o) {
        return o == null ? FileOptions.defaults() : o;
    }

    private static String checkPath(String what, String path) {
        if (path == null || path.isEmpty()) {
            throw new InvalidArgumentException(0, "invalid_request", what + " must not be empty");
        }
        return path;
    }

    private String url(String route, String path, FileOptions o, String extra) {
        StringBuilder b = new StringBuilder(runtimeUrl).append(route).append("?path=").append(Transport.enc(path));
        if (o.user() != null) {
            b.append("&user=").append(Transport.enc(o.user()));
        }
        if (extra != null) {
            b.append(extra);
        }
        return b.toString();
    }

    // -- read ----------------------------------------------------------------------------------

    /** Reads a file as UTF-8 text. @throws NotFoundException when it does not exist */
    public String read(String path) {
        return read(path, null);
    }

    /** Reads a file as UTF-8 text. @throws NotFoundException when it does not exist */
    public String read(String path, FileOptions options) {
        return new String(readBytes(path, options), StandardCharsets.UTF_8);
    }

    /** Reads a file's bytes. */
    public byte[] readBytes(String path) {
        return readBytes(path, null);
    }

    /** Reads a file's bytes. */
    public byte[] readBytes(String path, FileOptions options) {
        try (InputStream in = readStream(path, options)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw Errors.fromThrowable(e, "reading " + path);
        }
    }

    /** Opens a file as a stream (see {@link #readStream(String, FileOptions)}). */
    public InputStream readStream(String path) {
        return readStream(path, null);
    }

    /**
     * Opens a file as a stream: returns once the file was found, and the bytes are read from the
     * sandbox as the stream is read, so a large file never sits in memory. Close it.
     *
     * @throws NotFoundException when it does not exist
     */
    public InputStream readStream(String path, FileOptions options) {
        FileOptions o = opts(options);
        checkPath("path", path);
        HttpRequest req = runtime.request(url("/files", path, o, null), o.requestTimeout())
                .header("Accept", "application/octet-stream")
                .GET()
                .build();
        CompletableFuture<HttpResponse<InputStream>> f =
                Transport.client().sendAsync(req, HttpResponse.BodyHandlers.ofInputStream());
        HttpResponse<InputStream> r = Transport.await(f, () -> f.cancel(true), "GET " + req.uri());
        if (r.statusCode() / 100 != 2) {
            String body;
            try (InputStream in = r.body()) {
                body = new String(in.readNBytes(MAX_ERROR_BODY), StandardCharsets.UTF_8);
            } catch (IOException e) {
                body = "";
            }
            throw Errors.fromResponse(r.statusCode(), body);
        }
        return r.body();
    }

    // -- write ---------------------------------------------------------------------------------

    /** Writes UTF-8 text to a file (parents are created, an existing file is replaced). */
    public WriteInfo write(String path, String data) {
        return write(path, data, null);
    }

    /** Writes UTF-8 text to a file. */
    public WriteInfo write(String path, String data, FileOptions options) {
        Objects.requireNonNull(data, "data");
        return upload(path, HttpRequest.BodyPublishers.ofString(data, StandardCharsets.UTF_8), options);
    }

    /** Writes bytes to a file (parents are created, an existing file is replaced). */
    public WriteInfo write(String path, byte[] data) {
        return write(path, data, null);
    }

    /** Writes bytes to a file. */
    public WriteInfo write(String path, byte[] data, FileOptions options) {
        Objects.requireNonNull(data, "data");
        return upload(path, HttpRequest.BodyPublishers.ofByteArray(data), options);
    }

    /**
     * Writes a stream to a file: it is sent as it is read (chunked), so a large file never sits
     * in memory. The stream is read to its end (on the HTTP client's thread).
     */
    public WriteInfo write(String path, InputStream data) {
        return write(path, data, null);
    }

    /** Writes a stream to a file (see {@link #write(String, InputStream)}). */
    public WriteInfo write(String path, InputStream data, FileOptions options) {
        Objects.requireNonNull(data, "data");
        return upload(path, HttpRequest.BodyPublishers.ofInputStream(() -> data), options);
    }

    /** Uploads a local file (streamed, with its length). */
    public WriteInfo write(String path, Path localFile) {
        return write(path, localFile, null);
    }

    /** Uploads a local file (streamed, with its length). */
    public WriteInfo write(String path, Path localFile, FileOptions options) {
        Objects.requireNonNull(localFile, "localFile");
        try {
            return upload(path, HttpRequest.BodyPublishers.ofFile(localFile), options);
        } catch (FileNotFoundException e) {
            throw new UncheckedIOException(e);
        }
    }

    private WriteInfo upload(String path, HttpRequest.BodyPublisher body, FileOptions options) {
        FileOptions o = opts(options);
        checkPath("path", path);
        String url = url("/files", path, o, null);
        HttpRequest.Builder b = o.requestTimeout() != null ? runtime.request(url, o.requestTimeout()) : runtime.untimedRequest(url);
        HttpRequest req = b.header("Content-Type", "application/octet-stream")
                .header("Accept", "application/json")
                .PUT(body)
                .build();
        CompletableFuture<HttpResponse<String>> f =
                Transport.client().sendAsync(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        HttpResponse<String> r = Transport.await(f, () -> f.cancel(true), "PUT " + req.uri());
        Transport.check(r);
        JsonNode n = r.body() == null || r.body().isBlank() ? null : Json.parse(r.body());
        String written = Json.text(n, "path", path);
        return new WriteInfo(baseName(written), written, "file", Json.longValue(n, "size", 0));
    }

    // -- metadata ------------------------------------------------------------------------------

    /** The entries of a directory (its children), sorted by path. */
    public List<EntryInfo> list(String path) {
        return list(path, 1, null);
    }

    /** The entries under a directory down to {@code depth} levels (1 = its children, at most 10), sorted by path. */
    public List<EntryInfo> list(String path, int depth) {
        return list(path, depth, null);
    }

    /** The entries under a directory down to {@code depth} levels, sorted by path. */
    public List<EntryInfo> list(String path, int depth, FileOptions options) {
        FileOptions o = opts(options);
        checkPath("path", path);
        JsonNode n = runtime.json("GET", url("/files/list", path, o, "&depth=" + depth), null);
        JsonNode entries = n == null ? null : n.get("entries");
        if (entries == null || !entries.isArray()) {
            throw new TensorBoxException(0, "bad_response", "files/list: the answer has no entries");
        }
        List<EntryInfo> out = new ArrayList<>(entries.size());
        entries.forEach(e -> out.add(entry(e)));
        return List.copyOf(out);
    }

    /** Whether a file, directory or symlink exists at {@code path}. */
    public boolean exists(String path) {
        return exists(path, null);
    }

    /** Whether a file, directory or symlink exists at {@code path}. */
    public boolean exists(String path, FileOptions options) {
        try {
            getInfo(path, options);
            return true;
        } catch (NotFoundException e) {
            if ("sandbox_not_found".equals(e.code())) {
                throw e;
            }
            return false;
        }
    }

    /** The entry at {@code path}. @throws NotFoundException when there is none */
    public EntryInfo getInfo(String path) {
        return getInfo(path, null);
    }

    /** The entry at {@code path}. @throws NotFoundException when there is none */
    public EntryInfo getInfo(String path, FileOptions options) {
        FileOptions o = opts(options);
        checkPath("path", path);
        return entry(runtime.json("GET", url("/files/stat", path, o, null), null));
    }

    /** Creates a directory and its parents: {@code true} when created, {@code false} when it already was one. */
    public boolean makeDir(String path) {
        return makeDir(path, null);
    }

    /**
     * Creates a directory and its parents: {@code true} when created, {@code false} when it
     * already was a directory.
     *
     * @throws ConflictException when something else is at {@code path}
     */
    public boolean makeDir(String path, FileOptions options) {
        FileOptions o = opts(options);
        ObjectNode body = Json.object().put("path", checkPath("path", path));
        if (o.user() != null) {
            body.put("user", o.user());
        }
        HttpResponse<String> r = runtime.send("POST", runtimeUrl + "/files/mkdir", body, o.requestTimeout(), "application/json");
        Transport.check(r);
        return r.statusCode() == 201;
    }

    /** Moves or renames a file or directory (parents of {@code newPath} are created); the entry at its new path. */
    public EntryInfo rename(String oldPath, String newPath) {
        return rename(oldPath, newPath, null);
    }

    /** Moves or renames a file or directory; the entry at its new path. @throws NotFoundException when {@code oldPath} is missing */
    public EntryInfo rename(String oldPath, String newPath, FileOptions options) {
        FileOptions o = opts(options);
        ObjectNode body = Json.object().put("from", checkPath("oldPath", oldPath)).put("to", checkPath("newPath", newPath));
        if (o.user() != null) {
            body.put("user", o.user());
        }
        HttpResponse<String> r = runtime.send("POST", runtimeUrl + "/files/move", body, o.requestTimeout(), "application/json");
        Transport.check(r);
        return entry(Json.parse(r.body()));
    }

    /** Removes a file, or a directory with its contents. @throws NotFoundException when missing */
    public void remove(String path) {
        remove(path, null);
    }

    /** Removes a file, or a directory with its contents. @throws NotFoundException when missing */
    public void remove(String path, FileOptions options) {
        FileOptions o = opts(options);
        checkPath("path", path);
        Transport.check(runtime.send("DELETE", url("/files", path, o, null), null, o.requestTimeout(), "application/json"));
    }

    // -- watch ---------------------------------------------------------------------------------

    /** Watches a directory (not recursively); see {@link #watchDir(String, Consumer, FileOptions, Consumer)}. */
    public WatchHandle watchDir(String path, Consumer<FilesystemEvent> onEvent) {
        return watchDir(path, onEvent, null, null);
    }

    /**
     * Watches a directory: returns once the watch is armed (every later change is reported), then
     * calls {@code onEvent} for each change (on the HTTP client's thread; the stream waits while it
     * runs) until {@link WatchHandle#stop()}. {@code onExit} (may be {@code null}) is called once when
     * the watch ends, with {@code null} after {@code stop()}, else with the reason.
     *
     * @throws NotFoundException        when the directory does not exist
     * @throws InvalidArgumentException when it is not a directory
     */
    public WatchHandle watchDir(String path, Consumer<FilesystemEvent> onEvent, FileOptions options,
            Consumer<Throwable> onExit) {
        Objects.requireNonNull(onEvent, "onEvent");
        FileOptions o = opts(options);
        checkPath("path", path);
        HttpRequest req = runtime.request(url("/files/watch", path, o, "&recursive=" + o.recursive()), o.requestTimeout())
                .header("Accept", "text/event-stream")
                .GET()
                .build();
        Transport.Opened opened = runtime.open(req).check();
        WatchHandle h = new WatchHandle(path, onEvent, onExit);
        h.start(opened);
        Duration wait = o.requestTimeout() != null ? o.requestTimeout() : runtime.config().requestTimeout();
        h.awaitReady(wait);
        return h;
    }

    // -- wire ----------------------------------------------------------------------------------

    static String baseName(String path) {
        String p = path;
        while (p.length() > 1 && p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        int i = p.lastIndexOf('/');
        return i < 0 ? p : p.substring(i + 1);
    }

    static String fileType(String t) {
        return "dir".equals(t) || "symlink".equals(t) ? t : "file";
    }

    /** An entry as the server sent it, checked field by field (it comes from inside the sandbox). */
    static EntryInfo entry(JsonNode n) {
        String path = n == null || !n.isObject() ? null : Json.text(n, "path");
        if (path == null || path.isEmpty()) {
            throw new TensorBoxException(0, "bad_response", "unexpected file entry: " + (n == null ? "null" : abbreviate(n.toString())));
        }
        Instant modified = Instant.EPOCH;
        String at = Json.text(n, "modified_at");
        if (at != null) {
            try {
                modified = Instant.parse(at);
            } catch (DateTimeParseException e) {
                // keep the epoch: the rest of the entry is still useful
            }
        }
        JsonNode target = n.get("symlink_target");
        return new EntryInfo(Json.text(n, "name", baseName(path)), path, fileType(Json.text(n, "type")),
                Json.longValue(n, "size", 0), Json.text(n, "mode", ""), Json.text(n, "permissions", ""),
                Json.text(n, "owner", ""), Json.text(n, "group", ""), modified,
                target != null && target.isTextual() ? target.asText() : null);
    }

    private static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}
