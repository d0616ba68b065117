package io.tensorbox.scheduler.files;

import io.tensorbox.common.ApiException;
import io.tensorbox.common.ExecRequest;
import io.tensorbox.scheduler.config.SchedulerConfig;
import io.tensorbox.scheduler.runtime.ExecGuards;
import io.tensorbox.scheduler.runtime.ExecHandle;
import io.tensorbox.scheduler.runtime.RuntimeUnavailableException;
import io.tensorbox.scheduler.runtime.SandboxRuntime;
import io.tensorbox.scheduler.sandbox.Sandboxes;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The files feature above the runtime driver: every operation is one exec of {@link FileScripts}
 * in the sandbox as the caller's user, so it means the same in a pod (the Kubernetes exec API) and
 * on the local runtime (a host process, confined to the sandbox's directory).
 */
@ApplicationScoped
public class FilesService {

    /** The header line every verb prints first. */
    static final int MAX_HEADER_BYTES = 256;
    private static final Pattern ERR = Pattern.compile("err ([a-z_]{1,40}) ([a-z_]{1,40})");

    private final SandboxRuntime runtime;
    private final SchedulerConfig config;

    public FilesService(SandboxRuntime runtime, SchedulerConfig config) {
        this.runtime = runtime;
        this.config = config;
    }

    SchedulerConfig config() {
        return config;
    }

    SandboxRuntime runtime() {
        return runtime;
    }

    /** Checks the sandbox runs and answers {@code path} made absolute and normalised (not resolved). */
    String target(String sandboxId, String path, String field) {
        FilePaths.resolve("/", path, field); // a bad path is a 400 whatever the sandbox
        Sandboxes.requireRunning(runtime, sandboxId);
        return FilePaths.resolve(runtime.layout(sandboxId).workspaceDir(), path, field);
    }

    List<String> argv(String sandboxId, String user, String verb, String path, String... args) {
        return FileScripts.argv(user, runtime.switchesUsers(), runtime.confinedTo(sandboxId), verb, path, args);
    }

    public FileEntry stat(String sandboxId, String path, String user) {
        String p = target(sandboxId, path, "path");
        Reply reply = run(sandboxId, argv(sandboxId, user, "stat", p), p);
        return single(reply, p);
    }

    List<FileEntry> list(String sandboxId, String path, int depth, String user) {
        if (depth < 1 || depth > 10) {
            throw ApiException.invalid("depth must be from 1 to 10");
        }
        String p = target(sandboxId, path, "path");
        int max = config.filesListMaxEntries();
        Reply reply = run(sandboxId, argv(sandboxId, user, "list", p, String.valueOf(depth),
                String.valueOf((long) (max + 1) * FileScripts.ENTRY_FIELDS)), p);
        List<byte[]> fields = fields(reply);
        if (fields.size() % FileScripts.ENTRY_FIELDS != 0) {
            throw malformed(p, "a list record has a wrong number of fields");
        }
        int count = fields.size() / FileScripts.ENTRY_FIELDS;
        if (count > max) {
            throw ApiException.invalid(p + " holds more than " + max + " entries down to depth " + depth + "; ask a smaller depth");
        }
        List<FileEntry> entries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            entries.add(parse(fields, i * FileScripts.ENTRY_FIELDS, p, null));
        }
        entries.sort(Comparator.comparing(FileEntry::path));
        return entries;
    }

    /** The directory's entry, and whether it was created now (false: it already was a directory). */
    record Made(FileEntry entry, boolean created) {
    }

    Made mkdir(String sandboxId, String path, String user) {
        String p = target(sandboxId, path, "path");
        Reply reply = run(sandboxId, argv(sandboxId, user, "mkdir", p), p);
        return new Made(single(reply, p), reply.header.equals("ok created"));
    }

    FileEntry move(String sandboxId, String from, String to, String user) {
        String f = target(sandboxId, from, "from");
        String t = target(sandboxId, to, "to");
        Reply reply = run(sandboxId, argv(sandboxId, user, "move", f, t), f);
        return single(reply, t);
    }

    void remove(String sandboxId, String path, String user) {
        String p = target(sandboxId, path, "path");
        Reply reply = run(sandboxId, argv(sandboxId, user, "remove", p), p);
        if (!reply.header.equals("ok") || reply.bodyOffset != reply.stdout.length) {
            throw malformed(p, "unexpected answer to a remove");
        }
    }

    /** A verb's stdout split into its header line and the rest. */
    record Reply(String header, byte[] stdout, int bodyOffset) {
    }

    /**
     * One exec of a verb, its stdout kept up to the exec output cap; killed in the sandbox at the
     * deadline ({@code timeout -s KILL}), like a buffered exec.
     */
    private Reply run(String sandboxId, List<String> argv, String path) {
        long timeoutMs = config.filesTimeout().toMillis();
        Capped stdout = new Capped(config.execOutputCapBytes());
        int code;
        try (ExecHandle handle = runtime.spawn(sandboxId, new ExecRequest(ExecGuards.killedAt(config.filesTimeout(), argv),
                null, null, null, timeoutMs), stdout, OutputStream.nullOutputStream())) {
            code = handle.exitCode().get(timeoutMs + 5000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new RuntimeUnavailableException("the sandbox did not answer within " + config.filesTimeout().toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RuntimeUnavailableException("interrupted");
        } catch (ExecutionException e) {
            throw new RuntimeUnavailableException("the file operation failed: " + e.getCause().getMessage(), e.getCause());
        }
        if (code == ExecGuards.KILLED_AT_DEADLINE) {
            throw new RuntimeUnavailableException("the sandbox did not answer within " + config.filesTimeout().toSeconds() + " s");
        }
        if (stdout.cut) {
            throw malformed(path, "the answer is larger than the scheduler takes");
        }
        byte[] out = stdout.toByteArray();
        int nl = -1;
        for (int i = 0; i < Math.min(out.length, MAX_HEADER_BYTES); i++) {
            if (out[i] == '\n') {
                nl = i;
                break;
            }
        }
        if (nl < 0) {
            throw new RuntimeUnavailableException("the file operation ended without an answer (exit status " + code + ")");
        }
        String header = new String(out, 0, nl, StandardCharsets.ISO_8859_1);
        throwIfRefused(header, path);
        if (!header.startsWith("ok")) {
            throw malformed(path, "unexpected header");
        }
        return new Reply(header, out, nl + 1);
    }

    /** Turns an {@code err <code> <reason>} header into the API's error; any other header passes. */
    static void throwIfRefused(String header, String path) {
        if (!header.startsWith("err ")) {
            return;
        }
        Matcher m = ERR.matcher(header);
        if (!m.matches()) {
            throw malformed(path, "unreadable refusal");
        }
        throw refusal(m.group(1), m.group(2), path);
    }

    static RuntimeException refusal(String code, String reason, String path) {
        return switch (code) {
            case "file_not_found" -> new ApiException(404, code, "no such file or directory: " + path);
            case "not_a_file" -> new ApiException(400, code, path + " is " + ("directory".equals(reason) ? "a directory" : "not a regular file"));
            case "not_a_directory" -> new ApiException(400, code, "parent".equals(reason)
                    ? "a parent of " + path + " is not a directory" : path + " is not a directory");
            case "permission_denied" -> new ApiException(403, code, "outside".equals(reason)
                    ? path + " is outside the sandbox" : "permission denied: " + path + " (" + reason.replace('_', ' ') + ")");
            case "already_exists" -> new ApiException(409, code, "not_empty".equals(reason)
                    ? path + " is a directory that is not empty" : path + " exists and is not a directory");
            case "invalid_request" -> ApiException.invalid("root".equals(reason)
                    ? "the sandbox's root cannot be removed or moved" : "cannot resolve " + path);
            case "invalid_user" -> new ApiException(400, code, "unknown".equals(reason)
                    ? "no such user in this sandbox" : "files in this sandbox are handled as another user");
            case "io_error" -> new ApiException(507, "insufficient_storage", "writing " + path + " failed in the sandbox (is its disk full?)");
            default -> malformed(path, "unknown refusal " + code);
        };
    }

    static RuntimeUnavailableException malformed(String path, String why) {
        return new RuntimeUnavailableException("the sandbox answered a file operation on " + path + " with output that does not parse: " + why);
    }

    private static List<byte[]> fields(Reply reply) {
        try {
            return EntryParser.fields(reply.stdout, reply.bodyOffset);
        } catch (EntryParser.Malformed e) {
            throw malformed("the sandbox", e.getMessage());
        }
    }

    private static FileEntry parse(List<byte[]> fields, int at, String base, String path) {
        try {
            return EntryParser.entry(fields, at, base, path);
        } catch (EntryParser.Malformed | ArithmeticException | NumberFormatException e) {
            throw malformed(path == null ? base : path, e.getMessage());
        }
    }

    private static FileEntry single(Reply reply, String path) {
        List<byte[]> fields = fields(reply);
        if (fields.size() != FileScripts.ENTRY_FIELDS) {
            throw malformed(path, "expected one entry");
        }
        return parse(fields, 0, null, path);
    }

    /** Keeps the first {@code cap} bytes and drops the rest, so the sandbox never blocks on us. */
    private static final class Capped extends ByteArrayOutputStream {
        private final int cap;
        private boolean cut;

        Capped(int cap) {
            this.cap = cap;
        }

        @Override
        public synchronized void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            int room = cap - count;
            if (len > room) {
                cut = true;
            }
            super.write(b, off, Math.max(0, Math.min(room, len)));
        }
    }
}
