package io.tensorbox.scheduler.files;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tensorbox.common.ApiException;
import io.tensorbox.common.ErrorBody;
import io.tensorbox.common.ExecRequest;
import io.tensorbox.scheduler.runtime.ExecHandle;
import io.tensorbox.scheduler.runtime.RuntimeUnavailableException;
import io.tensorbox.scheduler.runtime.SandboxRuntime;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * {@code GET} and {@code PUT /internal/v1/sandboxes/{sbx}/files?path=&user=}: a file's bytes
 * streamed out of and into the sandbox, both ways with back-pressure and bounded memory. Raw Vert.x
 * routes (not JAX-RS): the body is octets of any size, never held whole, and the request body must
 * not be read before the sandbox said yes. Only starting the exec, and feeding an upload's bytes to
 * the exec's stdin (a blocking stream), take a (virtual) thread.
 * <p>
 * Download: one exec ({@code read}) prints {@code ok <size>} or a refusal, then becomes
 * {@code cat} of the file; the status is decided on that line, the rest is piped to the response
 * (a full response queue blocks the runtime's write, which pauses {@code cat} in the sandbox).
 * Upload: one channel ({@code write}) checks the path, creates the parents and a temporary file
 * beside the target, prints {@code ready}, then reads frames {@code <n>\n<n bytes>} up to
 * {@code 0\n} (an exec cannot carry end of input, so the end is in the data), renames the
 * temporary file over the target and prints {@code ok <size>}. A body that ends early leaves the
 * target untouched.
 */
@ApplicationScoped
public class FileTransferRoutes {

    static final String PATH = "/internal/v1/sandboxes/:sandboxId/files";
    private static final Logger LOG = Logger.getLogger(FileTransferRoutes.class);
    private static final Pattern OK_SIZE = Pattern.compile("ok ([0-9]{1,19})");
    /** Bytes of one upload frame at most (what is queued is sent as one frame). */
    static final int MAX_FRAME = 1 << 20;
    /** A frame waits up to {@link #FRAME_WAIT_NANOS} for this many bytes before it is sent smaller. */
    static final int MIN_FRAME = 256 << 10;
    static final long FRAME_WAIT_NANOS = 20_000_000;

    private final FilesService files;
    private final ObjectMapper json;

    FileTransferRoutes(FilesService files, ObjectMapper json) {
        this.files = files;
        this.json = json;
    }

    void register(@Observes Router router) {
        router.get(PATH).handler(this::download);
        router.put(PATH).handler(this::upload);
    }

    private static String query(RoutingContext ctx, String name) {
        List<String> values = ctx.queryParam(name);
        return values.isEmpty() ? null : values.getFirst();
    }

    private void error(HttpServerResponse response, int status, String code, String message) {
        if (response.headWritten() || response.ended() || response.closed()) {
            return;
        }
        byte[] body;
        try {
            body = json.writeValueAsBytes(ErrorBody.of(code, message));
        } catch (IOException e) {
            body = ("{\"error\":{\"code\":\"" + code + "\",\"message\":\"\"}}").getBytes(StandardCharsets.UTF_8);
        }
        response.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(Buffer.buffer(body));
    }

    private void error(HttpServerResponse response, RuntimeException e) {
        if (e instanceof ApiException api) {
            error(response, api.status(), api.code(), api.getMessage());
        } else if (e instanceof RuntimeUnavailableException) {
            error(response, 503, "runtime_unavailable", e.getMessage());
        } else if (e instanceof IllegalArgumentException) {
            error(response, 400, "invalid_request", e.getMessage());
        } else {
            LOG.error("file transfer failed", e);
            error(response, 500, "internal_error", "the scheduler failed: " + e.getMessage());
        }
    }

    // ---------------------------------------------------------------- download

    private void download(RoutingContext ctx) {
        String sandboxId = ctx.pathParam("sandboxId");
        String path = query(ctx, "path");
        String user = query(ctx, "user");
        HttpServerResponse response = ctx.response();
        Thread.ofVirtual().name("files-download").start(() -> {
            Download sink;
            try {
                String p = files.target(sandboxId, path, "path");
                List<String> argv = files.argv(sandboxId, user, "read", p);
                sink = new Download(response, p);
                ExecHandle handle = files.runtime().exec(sandboxId, new ExecRequest(argv, null, null, null, 0), sink,
                        OutputStream.nullOutputStream());
                sink.attach(handle);
                handle.exitCode().whenComplete((code, failure) -> sink.ended(code));
            } catch (RuntimeException e) {
                error(response, e);
            }
        });
    }

    /** The exec's stdout: the header line decides the status, then exactly {@code size} bytes go out. */
    private final class Download extends OutputStream {
        private final HttpServerResponse response;
        private final String path;
        private final byte[] line = new byte[FilesService.MAX_HEADER_BYTES];
        private int lineLength;
        private boolean headerDone;
        private long size = -1;
        private long written;
        private volatile boolean finished;
        private volatile ExecHandle handle;

        Download(HttpServerResponse response, String path) {
            this.response = response;
            this.path = path;
            response.closeHandler(v -> {
                if (!finished) {
                    finished = true;
                    close();
                }
            });
        }

        void attach(ExecHandle handle) {
            this.handle = handle;
            if (finished) {
                handle.close();
            }
        }

        @Override
        public void close() {
            ExecHandle h = handle;
            if (h != null) {
                h.close();
            }
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (finished) {
                throw new IOException("the download is over");
            }
            int i = off;
            int end = off + len;
            if (!headerDone) {
                while (i < end && !headerDone) {
                    byte c = b[i++];
                    if (c == '\n') {
                        headerDone = true;
                        header(new String(line, 0, lineLength, StandardCharsets.ISO_8859_1));
                    } else if (lineLength == line.length) {
                        headerDone = true;
                        refuse(FilesService.malformed(path, "header too long"));
                    } else {
                        line[lineLength++] = c;
                    }
                }
                if (finished) {
                    throw new IOException("the download is over");
                }
            }
            if (i < end) {
                body(b, i, end - i);
            }
        }

        private void header(String header) {
            try {
                FilesService.throwIfRefused(header, path);
                var m = OK_SIZE.matcher(header);
                if (!m.matches()) {
                    throw FilesService.malformed(path, "unexpected header");
                }
                size = Long.parseLong(m.group(1));
            } catch (RuntimeException e) {
                refuse(e);
                return;
            }
            response.setStatusCode(200)
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/octet-stream")
                    .putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf(size));
            if (size == 0) {
                finish();
            }
        }

        private void refuse(RuntimeException e) {
            finished = true;
            error(response, e);
            close();
        }

        private void finish() {
            finished = true;
            response.end();
            close();
        }

        private void body(byte[] b, int off, int len) throws IOException {
            int take = (int) Math.min(len, size - written);
            if (take <= 0) {
                return;
            }
            byte[] copy = new byte[take];
            System.arraycopy(b, off, copy, 0, take);
            response.write(Buffer.buffer(copy));
            written += take;
            if (written == size) {
                finish();
                return;
            }
            awaitDrain();
        }

        /** Blocks the runtime's writer (and so {@code cat} in the sandbox) while the response's queue is full. */
        private void awaitDrain() throws IOException {
            while (!finished && response.writeQueueFull()) {
                CompletableFuture<Void> drained = new CompletableFuture<>();
                response.drainHandler(v -> drained.complete(null));
                if (!response.writeQueueFull()) {
                    break;
                }
                try {
                    drained.get(1, TimeUnit.SECONDS);
                } catch (TimeoutException again) {
                    // look at finished (the client may be gone) and wait on
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted");
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IOException(e.getCause());
                }
            }
            if (finished) {
                throw new IOException("the client went away");
            }
        }

        void ended(Integer code) {
            if (finished) {
                return;
            }
            finished = true;
            if (!headerDone || size < 0) {
                error(response, 503, "runtime_unavailable", "reading " + path + " ended without an answer"
                        + (code == null ? "" : " (exit status " + code + ")"));
            } else {
                // fewer bytes than announced: the file shrank, or the exec broke; the client must not
                // take a short body for the file
                LOG.infof("download of %s ended after %d of %d bytes", path, written, size);
                response.reset();
            }
        }
    }

    // ---------------------------------------------------------------- upload

    private void upload(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        request.pause();
        String sandboxId = ctx.pathParam("sandboxId");
        String path = query(ctx, "path");
        String user = query(ctx, "user");
        Context context = ctx.vertx().getOrCreateContext();
        Thread.ofVirtual().name("files-upload").start(() -> {
            try {
                new Upload(ctx, context, sandboxId, path, user).run();
            } catch (RuntimeException e) {
                error(ctx.response(), e);
            }
        });
    }

    /** The lines the write script prints: {@code ready}, then {@code ok <size>} or a refusal. */
    private static final class StatusLines extends OutputStream {
        private static final String ENDED = "\0ended";
        private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>(8);
        private final byte[] line = new byte[FilesService.MAX_HEADER_BYTES];
        private int length;

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) {
                if (b[i] == '\n' || length == line.length) {
                    lines.offer(new String(line, 0, length, StandardCharsets.ISO_8859_1));
                    length = 0;
                } else {
                    line[length++] = b[i];
                }
            }
        }

        void ended() {
            lines.offer(ENDED);
        }

        /** The next line, or null when the script ended or said nothing in time. */
        String next(long timeoutMs) throws InterruptedException {
            String l = lines.poll(timeoutMs, TimeUnit.MILLISECONDS);
            if (l == ENDED) {
                lines.offer(ENDED);
                return null;
            }
            return l;
        }

        boolean pending() {
            return !lines.isEmpty();
        }
    }

    /** One upload: the request body handed from the event loop to the channel's stdin through a bounded queue. */
    private final class Upload {
        private final RoutingContext ctx;
        private final Context context;
        private final String sandboxId;
        private final String path;
        private final String user;
        private final ArrayDeque<Buffer> queue = new ArrayDeque<>();
        private long queued;
        private boolean paused = true;
        private boolean ended;
        private String failure;
        private final int limit = Math.max(65536, files.config().filesUploadBufferBytes());

        Upload(RoutingContext ctx, Context context, String sandboxId, String path, String user) {
            this.ctx = ctx;
            this.context = context;
            this.sandboxId = sandboxId;
            this.path = path;
            this.user = user;
        }

        void run() {
            String p = files.target(sandboxId, path, "path");
            List<String> argv = files.argv(sandboxId, user, "write", p);
            StatusLines lines = new StatusLines();
            SandboxRuntime.Channel channel = files.runtime().openChannel(sandboxId, argv, lines);
            channel.exitCode().whenComplete((code, f) -> lines.ended());
            long timeout = files.config().filesTimeout().toMillis();
            try {
                String ready = lines.next(timeout);
                if (ready == null) {
                    throw new RuntimeUnavailableException("the sandbox did not take the upload of " + p);
                }
                FilesService.throwIfRefused(ready, p);
                if (!ready.equals("ready")) {
                    throw FilesService.malformed(p, "unexpected header");
                }
                context.runOnContext(v -> start());
                if (!pipe(channel.stdin(), lines)) {
                    // the client went away: end of input without the end frame makes the script
                    // remove its temporary file and exit (a pod's exec gets it when the channel closes)
                    try {
                        channel.stdin().close();
                        channel.exitCode().get(5, TimeUnit.SECONDS);
                    } catch (IOException | java.util.concurrent.ExecutionException | TimeoutException ignored) {
                        // closed below
                    }
                    return;
                }
                String done = lines.next(timeout);
                if (done == null) {
                    throw new RuntimeUnavailableException("the upload of " + p + " ended without an answer");
                }
                FilesService.throwIfRefused(done, p);
                var m = OK_SIZE.matcher(done);
                if (!m.matches()) {
                    throw FilesService.malformed(p, "unexpected answer");
                }
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("path", p);
                body.put("size", Long.parseLong(m.group(1)));
                byte[] bytes = json.writeValueAsBytes(body);
                ctx.response().setStatusCode(201).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(Buffer.buffer(bytes));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RuntimeUnavailableException("interrupted");
            } catch (IOException e) {
                throw new RuntimeUnavailableException("the upload of " + p + " failed: " + e.getMessage());
            } finally {
                channel.close();
            }
        }

        /** On the event loop: feeds the body into the queue, pausing the request while the queue is full. */
        private void start() {
            HttpServerRequest request = ctx.request();
            if (request.headers().contains(HttpHeaders.EXPECT, HttpHeaders.CONTINUE, true)) {
                ctx.response().writeContinue();
            }
            request.handler(this::offer);
            request.endHandler(v -> finish(null));
            request.exceptionHandler(e -> finish("the request broke: " + e.getMessage()));
            ctx.response().closeHandler(v -> finish("the client went away"));
            synchronized (this) {
                paused = false;
            }
            request.resume();
        }

        private synchronized void offer(Buffer chunk) {
            queue.add(chunk);
            queued += chunk.length();
            if (queued >= limit && !paused) {
                paused = true;
                ctx.request().pause();
            }
            notifyAll();
        }

        private synchronized void finish(String why) {
            if (ended) {
                return;
            }
            ended = true;
            failure = why;
            notifyAll();
        }

        /**
         * Writes the body as frames to the script's stdin until the request ended (true, after the
         * end frame) or broke (false). A refusal the script prints meanwhile (a full disk) stops it.
         */
        private boolean pipe(OutputStream stdin, StatusLines lines) throws IOException, InterruptedException {
            List<Buffer> frame = new ArrayList<>();
            while (true) {
                boolean last;
                synchronized (this) {
                    while (queue.isEmpty() && !ended) {
                        wait(1000);
                        if (lines.pending()) {
                            return true; // the script spoke early: its line is the answer
                        }
                    }
                    if (failure != null) {
                        return false;
                    }
                    // fewer, larger frames: each frame is one head(1) in the sandbox
                    long until = System.nanoTime() + FRAME_WAIT_NANOS;
                    while (!ended && queued < MIN_FRAME && System.nanoTime() < until) {
                        wait(Math.max(1, (until - System.nanoTime()) / 1_000_000));
                    }
                    if (failure != null) {
                        return false;
                    }
                    int size = 0;
                    while (!queue.isEmpty() && size < MAX_FRAME) {
                        Buffer b = queue.poll();
                        frame.add(b);
                        size += b.length();
                    }
                    queued -= size;
                    if (paused && queued < limit / 2 && !ended) {
                        paused = false;
                        context.runOnContext(v -> ctx.request().resume());
                    }
                    last = ended && queue.isEmpty();
                }
                if (!frame.isEmpty()) {
                    int size = 0;
                    for (Buffer b : frame) {
                        size += b.length();
                    }
                    try {
                        stdin.write((size + "\n").getBytes(StandardCharsets.US_ASCII));
                        for (Buffer b : frame) {
                            stdin.write(b.getBytes());
                        }
                        stdin.flush();
                    } catch (IOException e) {
                        return true; // the script ended: its last line tells why
                    }
                    frame.clear();
                }
                if (last) {
                    stdin.write("0\n".getBytes(StandardCharsets.US_ASCII));
                    stdin.flush();
                    return true;
                }
                if (lines.pending()) {
                    return true;
                }
            }
        }
    }
}
