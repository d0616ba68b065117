package io.tensorbox.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** sandbox.files() against a scripted in-process server: what goes on the wire, streams, hostile answers. */
class FilesFakeServerTest {
    private static final int DOWNLOAD = 3 << 20;
    private HttpServer server;
    private String base;
    private final Map<String, String> seen = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> watchClosed = new CompletableFuture<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        base = "http://127.0.0.1:" + server.getAddress().getPort();
        server.createContext("/v1/sandboxes", this::handle);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private Sandbox sandbox() {
        return Sandbox.create(SandboxOptions.builder().config(ConnectionConfig.builder().environment(Map.of()).apiUrl(base)
                .apiKey("ask_a_b").requestTimeout(Duration.ofSeconds(5)).build()).build());
    }

    private static byte[] content() {
        byte[] b = new byte[DOWNLOAD];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i * 31 + (i >> 10));
        }
        return b;
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String query = ex.getRequestURI().getRawQuery();
        String method = ex.getRequestMethod();
        try {
            if (path.equals("/v1/sandboxes") && method.equals("POST")) {
                ex.getRequestBody().readAllBytes();
                json(ex, 201, "{\"id\":\"sbx_1\",\"state\":\"running\",\"runtime_url\":\"" + base
                        + "/v1/sandboxes/sbx_1\",\"access_token\":\"sat_t\"}");
            } else if (path.endsWith("/files") && method.equals("PUT")) {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                long n = 0;
                try (InputStream in = ex.getRequestBody()) {
                    byte[] buf = new byte[65536];
                    for (int r; (r = in.read(buf)) >= 0;) {
                        sha.update(buf, 0, r);
                        n += r;
                    }
                }
                seen.put("put.query", query);
                seen.put("put.sha", HexFormat.of().formatHex(sha.digest()));
                seen.put("put.type", String.valueOf(ex.getRequestHeaders().getFirst("Content-Type")));
                seen.put("put.chunked", String.valueOf(ex.getRequestHeaders().getFirst("Transfer-Encoding")));
                seen.put("put.token", String.valueOf(ex.getRequestHeaders().getFirst("X-Access-Token")));
                json(ex, 201, "{\"path\":\"/home/user/dir/f.bin\",\"size\":" + n + "}");
            } else if (query != null && query.contains("missing") && method.equals("GET")) {
                if (path.endsWith("/files") || path.endsWith("/files/stat")) {
                    json(ex, 404, "{\"error\":{\"code\":\"file_not_found\",\"message\":\"/home/user/missing does not exist\"}}");
                }
            } else if (path.endsWith("/files") && method.equals("GET")) {
                ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
                ex.sendResponseHeaders(200, 0); // chunked
                try (OutputStream out = ex.getResponseBody()) {
                    byte[] all = content();
                    for (int off = 0; off < all.length; off += 100_000) {
                        out.write(all, off, Math.min(100_000, all.length - off));
                        out.flush();
                    }
                }
            } else if (path.endsWith("/files/stat")) {
                if (query.contains("hostile")) {
                    json(ex, 200, "{\"name\":1,\"size\":\"x\"}");
                } else {
                    json(ex, 200, "{\"path\":\"/home/user/odd\",\"type\":\"fifo\",\"size\":\"big\",\"mode\":\"0600\","
                            + "\"modified_at\":\"not a time\",\"symlink_target\":7,\"extra\":{\"a\":1}}");
                }
            } else if (path.endsWith("/files/mkdir")) {
                String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                seen.put("mkdir.body", body);
                String entry = "{\"name\":\"d\",\"path\":\"/home/user/d\",\"type\":\"dir\"}";
                if (body.contains("\"new\"")) {
                    json(ex, 201, entry);
                } else if (body.contains("\"dir\"")) {
                    json(ex, 200, entry);
                } else {
                    json(ex, 409, "{\"error\":{\"code\":\"already_exists\",\"message\":\"a file is there\"}}");
                }
            } else if (path.endsWith("/files/watch")) {
                seen.put("watch.query", query);
                ex.getResponseHeaders().set("Content-Type", "text/event-stream");
                ex.sendResponseHeaders(200, 0);
                OutputStream out = ex.getResponseBody();
                out.write(("event: ready\ndata: {}\n\n"
                        + "event: created\ndata: {\"type\":\"created\",\"path\":\"/home/user/w/sub/a.txt\",\"entry_type\":\"file\"}\n\n"
                        + "event: unknown\ndata: {}\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                try {
                    for (int i = 0; i < 500; i++) { // until the client closes (at most 10 s)
                        Thread.sleep(20);
                        out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
                        out.flush();
                    }
                } catch (IOException e) {
                    watchClosed.complete(null);
                }
            } else {
                json(ex, 404, "{\"error\":{\"code\":\"nope\",\"message\":\"Nothing at " + path + ".\"}}");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } finally {
            ex.close();
        }
    }

    private static void json(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
    }

    @Test
    void aStreamIsUploadedChunkedWithTheAccessTokenAndTheQueryEncoded() throws Exception {
        Sandbox sandbox = sandbox();
        byte[] data = content();
        WriteInfo info = sandbox.files().write("dir/f ü&.bin", new java.io.ByteArrayInputStream(data),
                FileOptions.defaults().withUser("user"));
        assertThat(info).isEqualTo(new WriteInfo("f.bin", "/home/user/dir/f.bin", "file", data.length));
        assertThat(seen.get("put.sha")).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data)));
        assertThat(seen.get("put.query")).isEqualTo("path=dir%2Ff%20%C3%BC%26.bin&user=user");
        assertThat(seen.get("put.type")).isEqualTo("application/octet-stream");
        assertThat(seen.get("put.chunked")).isEqualToIgnoringCase("chunked");
        assertThat(seen.get("put.token")).isEqualTo("sat_t");
    }

    @Test
    void aDownloadIsStreamedAndAMissingFileIsANotFound() throws Exception {
        Sandbox sandbox = sandbox();
        try (InputStream in = sandbox.files().readStream("f.bin")) {
            assertThat(in.readAllBytes()).isEqualTo(content());
        }
        assertThatThrownBy(() -> sandbox.files().read("missing")).isInstanceOfSatisfying(NotFoundException.class, e -> {
            assertThat(e.code()).isEqualTo("file_not_found");
            assertThat(e.getMessage()).isEqualTo("/home/user/missing does not exist");
        });
        assertThat(sandbox.files().exists("missing")).isFalse();
    }

    @Test
    void makeDirTellsCreatedFromExistingAndAFileInTheWayIsAConflict() {
        Sandbox sandbox = sandbox();
        assertThat(sandbox.files().makeDir("new")).isTrue();
        assertThat(seen.get("mkdir.body")).isEqualTo("{\"path\":\"new\"}");
        assertThat(sandbox.files().makeDir("dir")).isFalse();
        assertThatThrownBy(() -> sandbox.files().makeDir("file")).isInstanceOf(ConflictException.class);
    }

    @Test
    void entriesFromTheSandboxAreParsedDefensively() {
        Sandbox sandbox = sandbox();
        EntryInfo odd = sandbox.files().getInfo("odd");
        assertThat(odd.name()).isEqualTo("odd");
        assertThat(odd.type()).isEqualTo("file");
        assertThat(odd.size()).isZero();
        assertThat(odd.modifiedAt()).isEqualTo(java.time.Instant.EPOCH);
        assertThat(odd.symlinkTarget()).isNull();
        assertThatThrownBy(() -> sandbox.files().getInfo("hostile")).isInstanceOfSatisfying(TensorBoxException.class,
                e -> assertThat(e.code()).isEqualTo("bad_response"));
    }

    @Test
    void watchDirReturnsWhenArmedDeliversEventsAndStopClosesTheStream() throws Exception {
        Sandbox sandbox = sandbox();
        BlockingQueue<FilesystemEvent> events = new LinkedBlockingQueue<>();
        CompletableFuture<Throwable> exit = new CompletableFuture<>();
        WatchHandle h = sandbox.files().watchDir("w", events::add, FileOptions.defaults().withRecursive(true), exit::complete);
        assertThat(seen.get("watch.query")).isEqualTo("path=w&recursive=true");
        assertThat(events.poll(5, TimeUnit.SECONDS)).isEqualTo(new FilesystemEvent("created", "/home/user/w/sub/a.txt", "sub/a.txt", "file"));
        assertThat(h.isRunning()).isTrue();
        h.stop();
        assertThat(exit.get(5, TimeUnit.SECONDS)).isNull();
        watchClosed.get(5, TimeUnit.SECONDS);
        assertThat(events).isEmpty();
    }
}
