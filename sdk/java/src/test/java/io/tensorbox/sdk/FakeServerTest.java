package io.tensorbox.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The SDK against a scripted in-process HTTP server: what goes on the wire and how streams are read. */
class FakeServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private HttpServer server;
    private String base;
    private final Map<String, JsonNode> bodies = new ConcurrentHashMap<>();
    private final Map<String, String> auth = new ConcurrentHashMap<>();
    private final CountDownLatch release = new CountDownLatch(1);

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
        release.countDown();
        server.stop(0);
    }

    private ConnectionConfig config(Duration requestTimeout) {
        return ConnectionConfig.builder().environment(Map.of()).apiUrl(base).apiKey("ask_a_b")
                .requestTimeout(requestTimeout).build();
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        byte[] in = ex.getRequestBody().readAllBytes();
        if (in.length > 0) {
            bodies.put(path, JSON.readTree(in));
        }
        String token = ex.getRequestHeaders().getFirst("X-Access-Token");
        auth.put(path, token != null ? "token " + token : String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
        try {
            if (path.equals("/v1/sandboxes") && ex.getRequestMethod().equals("POST")) {
                json(ex, 201, "{\"id\":\"sbx_1\",\"template\":\"base\",\"state\":\"running\",\"created_at\":5,"
                        + "\"runtime_url\":\"" + base + "/v1/sandboxes/sbx_1\",\"access_token\":\"sat_t\"}");
            } else if (path.equals("/v1/sandboxes/sbx_1") && ex.getRequestMethod().equals("GET")) {
                json(ex, 200, "{\"id\":\"sbx_1\",\"state\":\"running\",\"metadata\":{\"k\":\"v\"}}");
            } else if (path.equals("/v1/sandboxes/sbx_1/run")) {
                run(ex, bodies.get(path).path("cmd").asText());
            } else {
                json(ex, 404, "{\"error\":{\"code\":\"nope\",\"message\":\"Nothing at " + path + ".\"}}");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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

    private void run(HttpExchange ex, String cmd) throws IOException, InterruptedException {
        if (cmd.equals("stall")) {
            release.await(5, TimeUnit.SECONDS); // no headers until released
            json(ex, 200, "{}");
            return;
        }
        if (cmd.equals("bad")) {
            json(ex, 400, "{\"error\":{\"code\":\"invalid_cwd\",\"message\":\"cwd 'x' does not exist.\"}}");
            return;
        }
        ex.getResponseHeaders().set("Content-Type", "text/event-stream");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        event(out, "start", "{\"pid\":42}");
        event(out, "stdout", "\"first\\n\"");
        event(out, "stderr", "\"warn\\n\"");
        // "wait" goes on only once the client saw the first chunk (its callback releases the latch)
        boolean released = cmd.equals("wait") ? release.await(5, TimeUnit.SECONDS) : sleep(600);
        event(out, "stdout", "\"second \u20ac\\n\"");
        event(out, "exit", "{\"exit_code\":" + (released ? 3 : 99) + ",\"duration_ms\":12,\"timed_out\":false}");
    }

    private static boolean sleep(long ms) throws InterruptedException {
        Thread.sleep(ms); // the server side of the test: a command that runs longer than the request timeout
        return true;
    }

    private static void event(OutputStream out, String name, String data) throws IOException {
        out.write(("content-type:text/plain\nevent:" + name + "\ndata:" + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Test
    void runStreamsChunksToTheCallbacksWhileTheCommandRuns() {
        Sandbox sandbox = Sandbox.create(SandboxOptions.builder().config(config(Duration.ofSeconds(5)))
                .metadata(Map.of("a", "b")).build());
        List<String> out = new CopyOnWriteArrayList<>();
        List<String> err = new CopyOnWriteArrayList<>();
        CommandResult r = sandbox.commands().run("wait", CommandOptions.builder().cwd("sub").timeoutMs(0)
                .onStdout(s -> {
                    out.add(s);
                    release.countDown();
                })
                .onStderr(err::add).build());
        assertThat(r).isEqualTo(new CommandResult("first\nsecond \u20ac\n", "warn\n", 3, false, 12, false));
        assertThat(out).containsExactly("first\n", "second \u20ac\n");
        assertThat(err).containsExactly("warn\n");
        // only what the user set goes on the wire, and the created sandbox's token authenticates
        assertThat(bodies.get("/v1/sandboxes/sbx_1/run").toString())
                .isEqualTo("{\"cmd\":\"wait\",\"cwd\":\"sub\",\"timeoutMs\":0}");
        assertThat(bodies.get("/v1/sandboxes").toString()).isEqualTo("{\"metadata\":{\"a\":\"b\"}}");
        assertThat(auth.get("/v1/sandboxes/sbx_1/run")).isEqualTo("token sat_t");
        assertThat(auth.get("/v1/sandboxes")).isEqualTo("Bearer ask_a_b");
        assertThatThrownBy(r::check).isInstanceOf(CommandExitException.class)
                .satisfies(e -> assertThat(((CommandExitException) e).result()).isSameAs(r));
    }

    @Test
    void theRequestTimeoutBoundsTheHeadersNotTheCommand() {
        Sandbox sandbox = Sandbox.connect("sbx_1", config(Duration.ofSeconds(5)));
        assertThat(sandbox.accessToken()).isNull();
        CommandResult r = sandbox.commands().run("slow", CommandOptions.builder().requestTimeoutMs(200).build());
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(auth.get("/v1/sandboxes/sbx_1/run")).isEqualTo("Bearer ask_a_b");

        long t0 = System.nanoTime();
        assertThatThrownBy(() -> sandbox.commands().run("stall", CommandOptions.builder().requestTimeoutMs(200).build()))
                .isInstanceOf(RequestTimeoutException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void errorAnswersBecomeTypedExceptions() {
        Sandbox sandbox = Sandbox.connect("sbx_1", config(Duration.ofSeconds(5)));
        assertThatThrownBy(() -> sandbox.commands().run("bad"))
                .isInstanceOf(InvalidArgumentException.class)
                .hasMessage("cwd 'x' does not exist.")
                .satisfies(e -> assertThat(((TensorBoxException) e).code()).isEqualTo("invalid_cwd"));
        assertThatThrownBy(() -> Sandbox.connect("sbx_2", sandbox.config()))
                .isInstanceOf(NotFoundException.class).hasMessage("Nothing at /v1/sandboxes/sbx_2.");
        assertThat(Sandbox.kill("sbx_2", sandbox.config())).isFalse();
    }

    @Test
    void getHostUsesTheConfiguredDomain() {
        Sandbox sandbox = Sandbox.connect("sbx_1", config(Duration.ofSeconds(5)).toBuilder().domain("tb.example").build());
        assertThat(sandbox.getHost(3000)).isEqualTo("3000-sbx-1.tb.example");
        assertThat(sandbox.info().metadata()).isEqualTo(Map.of("k", "v"));
    }
}
