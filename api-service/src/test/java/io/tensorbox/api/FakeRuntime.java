package io.tensorbox.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.tensorbox.common.internal.InternalToken;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stand-in for scheduler-service and log-service speaking their internal HTTP API
 * (docs/ARCHITECTURE.md), so the tests see the real JSON on the wire. Tests steer it through
 * the public fields and read what it was asked. Like the real services it refuses calls without the
 * internal token (401).
 */
public class FakeRuntime implements QuarkusTestResourceLifecycleManager {
    public static final String BOOTSTRAP_KEY = "ask_testadmin_0123456789abcdef0123";
    public static final int LOG_BIG_BYTES = 10 * 1024 * 1024 + 123;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SANDBOX = Pattern.compile("/internal/v1/sandboxes/([^/]+)");
    private static final Pattern PROCESSES = Pattern.compile("/internal/v1/sandboxes/([^/]+)/processes");
    private static final Pattern SIGNAL = Pattern.compile("/internal/v1/sandboxes/([^/]+)/processes/([^/]+)/signal");
    private static final Pattern LOGS = Pattern.compile("/internal/v1/sandboxes/([^/]+)/processes/([^/]+)/logs");
    private static final Pattern STATUS = Pattern.compile("/internal/v1/sandboxes/([^/]+)/processes/([^/]+)");
    private static final Pattern STDIN = Pattern.compile("/internal/v1/sandboxes/([^/]+)/processes/([^/]+)/stdin");
    private static final Pattern FILES = Pattern.compile("/internal/v1/sandboxes/([^/]+)/files(/[a-z]+)?");
    /** Files of the fake sandboxes by "sandbox path"; and every files call the scheduler got ("METHOD route?query"). */
    public static final Map<String, byte[]> files = new ConcurrentHashMap<>();
    public static final List<String> fileCalls = new CopyOnWriteArrayList<>();
    /** Directories the fake sandboxes have ("sandbox path"), for stat. */
    public static final Set<String> dirs = ConcurrentHashMap.newKeySet();
    /** Watches whose reader went away. */
    public static final AtomicInteger closedWatches = new AtomicInteger();
    private static final Pattern STDIN_CLOSE = Pattern.compile("/internal/v1/sandboxes/([^/]+)/processes/([^/]+)/stdin/close");

    /** Sandbox state the next creates answer; null = drop the connection (scheduler down). */
    public static volatile String sandboxState = "running";
    public static final List<JsonNode> sandboxSpecs = new CopyOnWriteArrayList<>();
    public static final List<String> deletedSandboxes = new CopyOnWriteArrayList<>();
    public static final List<JsonNode> processSpecs = new CopyOnWriteArrayList<>();
    public static final List<String> signals = new CopyOnWriteArrayList<>();
    /** Log bodies by process id; absent = 404. */
    public static final Map<String, byte[]> logs = new ConcurrentHashMap<>();
    public static final Map<String, String> logQueries = new ConcurrentHashMap<>();
    /** A followed log writes its first part, waits for this, then writes "second\n". */
    public static volatile CountDownLatch followGate = new CountDownLatch(1);
    public static volatile boolean bigLog;
    /** Calls refused for a missing or wrong internal token. */
    public static final AtomicInteger refusedCalls = new AtomicInteger();
    /** Processes whose log log-service cannot read (it answers 500). */
    public static final Set<String> failingLogs = ConcurrentHashMap.newKeySet();
    /** Processes whose followed log answers its headers at once, then stays silent until {@link #silentGate}. */
    public static final Set<String> silentLogs = ConcurrentHashMap.newKeySet();
    public static volatile CountDownLatch silentGate = new CountDownLatch(1);
    /** Processes whose followed log writes "tick" every 50 ms until the reader is gone... */
    public static final Set<String> tickingLogs = ConcurrentHashMap.newKeySet();
    /** ...which is recorded here. */
    public static final Set<String> closedFollows = ConcurrentHashMap.newKeySet();
    /** The log a process of this program (command[0]) has as soon as it starts. */
    public static final Map<String, byte[]> scriptedOutput = new ConcurrentHashMap<>();
    /** The exit code the sandbox reports (status) for processes of this program; absent: 404, as today. */
    public static final Map<String, Integer> scriptedExit = new ConcurrentHashMap<>();
    /** What was written to each process's stdin, in order; and whose stdin was closed (writes then get 409). */
    public static final Map<String, java.io.ByteArrayOutputStream> stdin = new ConcurrentHashMap<>();
    public static final Set<String> closedStdins = ConcurrentHashMap.newKeySet();

    private HttpServer server;

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", this::handle);
        server.start();
        String url = "http://127.0.0.1:" + server.getAddress().getPort();
        return Map.of("tensorbox.scheduler-url", url, "tensorbox.log-url", url,
                "tensorbox.bootstrap-api-key", BOOTSTRAP_KEY,
                "tensorbox.templates", "base,python");
    }

    @Override
    public void stop() {
        server.stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            byte[] body = ex.getRequestBody().readAllBytes();
            if (!Api.INTERNAL_TOKEN.equals(ex.getRequestHeaders().getFirst(InternalToken.HEADER))) {
                refusedCalls.incrementAndGet();
                json(ex, 401, Map.of("error", Map.of("code", "unauthorized", "message", "no internal token")));
                return;
            }
            Matcher m;
            if ((m = FILES.matcher(path)).matches()) {
                serveFiles(ex, method, m.group(1), m.group(2) == null ? "" : m.group(2), body);
            } else if ((m = LOGS.matcher(path)).matches() && method.equals("GET")) {
                serveLog(ex, m.group(2));
            } else if ((m = SIGNAL.matcher(path)).matches() && method.equals("POST")) {
                signals.add(m.group(2) + " " + JSON.readTree(body).path("signal").asText());
                ex.sendResponseHeaders(204, -1);
            } else if ((m = STDIN_CLOSE.matcher(path)).matches() && method.equals("POST")) {
                closedStdins.add(m.group(2));
                ex.sendResponseHeaders(204, -1);
            } else if ((m = STDIN.matcher(path)).matches() && method.equals("POST")) {
                if (closedStdins.contains(m.group(2))) {
                    json(ex, 409, Map.of("error", Map.of("code", "stdin_closed", "message", "stdin was closed")));
                    return;
                }
                stdin.computeIfAbsent(m.group(2), id -> new java.io.ByteArrayOutputStream()).writeBytes(body);
                ex.sendResponseHeaders(204, -1);
            } else if ((m = STATUS.matcher(path)).matches() && method.equals("GET") && exitOf(m.group(2)) != null) {
                long now = System.currentTimeMillis();
                json(ex, 200, Map.of("id", m.group(2), "sandboxId", m.group(1), "state", "exited", "pid", 4242,
                        "exitCode", exitOf(m.group(2)), "startedAtMs", now, "exitedAtMs", now, "reason", ""));
            } else if ((m = PROCESSES.matcher(path)).matches() && method.equals("POST")) {
                JsonNode spec = JSON.readTree(body);
                processSpecs.add(spec);
                byte[] scripted = scriptedOutput.get(spec.path("command").path(0).asText());
                if (scripted != null) {
                    logs.put(spec.path("id").asText(), scripted);
                }
                if (spec.path("command").path(0).asText().equals("start-unconfirmed")) {
                    // the scheduler gave up waiting for the sandbox (it may have started the process all the same)
                    json(ex, 503, Map.of("error", Map.of("code", "runtime_unavailable", "message", "timed out")));
                    return;
                }
                boolean fails = spec.path("command").path(0).asText().equals("no-such-command");
                long now = System.currentTimeMillis();
                if (spec.path("command").path(0).asText().equals("exits-before-the-answer")) {
                    // The exit event overtakes the start answer, as it can with a process that ends at once.
                    reportExit(spec.path("id").asText(), m.group(1), 3, now);
                }
                Map<String, Object> status = Map.of("id", spec.path("id").asText(), "sandboxId", m.group(1),
                        "state", fails ? "failed" : "running", "pid", fails ? 0 : 4242,
                        "exitCode", -1, "startedAtMs", now, "exitedAtMs", fails ? now : 0,
                        "reason", fails ? "command not found: no-such-command" : "");
                json(ex, 200, status);
            } else if ((m = SANDBOX.matcher(path)).matches() && method.equals("PUT")) {
                String state = sandboxState;
                if (state == null) {
                    return; // connection closed without an answer
                }
                sandboxSpecs.add(JSON.readTree(body));
                json(ex, 200, Map.of("id", m.group(1), "state", state, "reason", ""));
            } else if ((m = SANDBOX.matcher(path)).matches() && method.equals("DELETE")) {
                deletedSandboxes.add(m.group(1));
                ex.sendResponseHeaders(204, -1);
            } else {
                json(ex, 404, Map.of("error", Map.of("code", "not_found", "message", path)));
            }
        }
    }

    private void serveFiles(HttpExchange ex, String method, String sandbox, String route, byte[] body) throws IOException {
        String query = ex.getRequestURI().getRawQuery();
        fileCalls.add(method + " " + route + "?" + query);
        Map<String, String> q = new java.util.HashMap<>();
        if (query != null) {
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                q.put(pair.substring(0, eq), java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        String p = q.get("path");
        String key = sandbox + " " + p;
        switch (method + " " + route) {
            case "PUT " -> {
                files.put(key, body);
                json(ex, 201, Map.of("path", p, "size", body.length));
            }
            case "GET " -> {
                byte[] data = files.get(key);
                if (data == null) {
                    json(ex, 404, Map.of("error", Map.of("code", "file_not_found", "message", "No file '" + p + "'.")));
                    return;
                }
                ex.getResponseHeaders().add("Content-Type", "application/octet-stream");
                ex.sendResponseHeaders(200, data.length == 0 ? -1 : data.length);
                ex.getResponseBody().write(data);
            }
            case "DELETE " -> {
                if (files.remove(key) == null) {
                    json(ex, 404, Map.of("error", Map.of("code", "file_not_found", "message", "No file '" + p + "'.")));
                    return;
                }
                ex.sendResponseHeaders(204, -1);
            }
            case "GET /stat" -> {
                if (dirs.contains(key)) {
                    json(ex, 200, entry(p, "dir", 4096));
                    return;
                }
                byte[] data = files.get(key);
                if (data == null) {
                    json(ex, 404, Map.of("error", Map.of("code", "file_not_found", "message", "No file '" + p + "'.")));
                    return;
                }
                json(ex, 200, entry(p, "file", data.length));
            }
            case "GET /list" -> json(ex, 200, Map.of("entries", files.entrySet().stream()
                    .filter(e -> e.getKey().startsWith(sandbox + " " + p + "/"))
                    .sorted(Map.Entry.comparingByKey())
                    .map(e -> entry(e.getKey().substring(sandbox.length() + 1), "file", e.getValue().length)).toList()));
            case "POST /mkdir" -> json(ex, 201, entry(JSON.readTree(body).path("path").asText(), "dir", 4096));
            case "POST /move" -> {
                JsonNode move = JSON.readTree(body);
                byte[] data = files.remove(sandbox + " " + move.path("from").asText());
                if (data == null) {
                    json(ex, 404, Map.of("error", Map.of("code", "file_not_found", "message", "No file.")));
                    return;
                }
                files.put(sandbox + " " + move.path("to").asText(), data);
                json(ex, 200, entry(move.path("to").asText(), "file", data.length));
            }
            case "GET /watch" -> {
                if (!p.startsWith("/")) {
                    json(ex, 404, Map.of("error", Map.of("code", "file_not_found", "message", "No directory '" + p + "'.")));
                    return;
                }
                ex.getResponseHeaders().add("Content-Type", "text/event-stream");
                ex.sendResponseHeaders(200, 0);
                OutputStream out = ex.getResponseBody();
                try {
                    out.write("event: ready\ndata: {}\n\n".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    // one created event per 50 ms, until the reader goes away
                    for (int i = 0; i < 2400; i++) {
                        out.write(("event: created\ndata: {\"type\":\"created\",\"path\":\"" + p + "/f" + i
                                + "\",\"entry_type\":\"file\"}\n\n").getBytes(StandardCharsets.UTF_8));
                        out.flush();
                        Thread.sleep(50);
                    }
                } catch (IOException | InterruptedException gone) {
                    closedWatches.incrementAndGet();
                }
            }
            default -> json(ex, 404, Map.of("error", Map.of("code", "not_found", "message", "no route")));
        }
    }

    private static Map<String, Object> entry(String path, String type, long size) {
        Map<String, Object> e = new java.util.LinkedHashMap<>();
        e.put("name", path.substring(path.lastIndexOf('/') + 1));
        e.put("path", path);
        e.put("type", type);
        e.put("size", size);
        e.put("mode", "0644");
        e.put("permissions", "-rw-r--r--");
        e.put("owner", "root");
        e.put("group", "root");
        e.put("modified_at", "2026-12-07T07:00:00.000Z");
        e.put("symlink_target", null);
        return e;
    }

    private void serveLog(HttpExchange ex, String processId) throws IOException {
        String query = ex.getRequestURI().getQuery();
        logQueries.put(processId, query == null ? "" : query);
        byte[] log = logs.get(processId);
        if (failingLogs.contains(processId)) {
            json(ex, 500, Map.of("error", Map.of("code", "internal_error", "message", "broken")));
            return;
        }
        if (log == null) {
            json(ex, 404, Map.of("error", Map.of("code", "log_not_found", "message", "no log")));
            return;
        }
        ex.getResponseHeaders().set("Content-Type", "text/plain");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        if (silentLogs.contains(processId)) {
            out.flush(); // the headers leave now, as log-service sends them
            try {
                silentGate.await(120, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            out.write("done\n".getBytes(StandardCharsets.UTF_8));
        } else if (tickingLogs.contains(processId)) {
            try {
                for (int i = 0; i < 1200; i++) {
                    out.write("tick\n".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    Thread.sleep(50);
                }
            } catch (IOException readerGone) {
                closedFollows.add(processId);
                throw readerGone;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else if (bigLog) {
            byte[] block = new byte[64 * 1024];
            for (int i = 0; i < block.length; i++) {
                block[i] = (byte) i;
            }
            for (int left = LOG_BIG_BYTES; left > 0; left -= block.length) {
                out.write(block, 0, Math.min(block.length, left));
            }
        } else {
            out.write(log);
            out.flush();
            if ("follow=true".equals(query)) {
                try {
                    followGate.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                out.write("second\n".getBytes(StandardCharsets.UTF_8));
            }
        }
        out.close();
    }

    private static Integer exitOf(String processId) {
        return processSpecs.stream().filter(spec -> spec.path("id").asText().equals(processId)).findFirst()
                .map(spec -> scriptedExit.get(spec.path("command").path(0).asText())).orElse(null);
    }

    private static void reportExit(String processId, String sandboxId, int code, long at) throws IOException {
        byte[] event = JSON.writeValueAsBytes(Map.of("id", processId, "sandboxId", sandboxId, "state", "exited",
                "pid", 4242, "exitCode", code, "startedAtMs", at, "exitedAtMs", at));
        try {
            java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create("http://localhost:" + io.restassured.RestAssured.port + "/internal/v1/events/process"))
                    .header("Content-Type", "application/json")
                    .header(InternalToken.HEADER, Api.INTERNAL_TOKEN)
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(event)).build(),
                    java.net.http.HttpResponse.BodyHandlers.discarding());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void json(HttpExchange ex, int status, Object body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }
}
