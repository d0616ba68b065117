package io.tensorbox.scheduler.process;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.tensorbox.common.LiveSandbox;
import io.tensorbox.common.ProcessStatus;
import io.tensorbox.common.SandboxStatus;
import io.tensorbox.common.internal.InternalToken;
import io.tensorbox.scheduler.InternalCalls;
import io.tensorbox.scheduler.ports.PortsReport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stands in for api-service: records the process events the scheduler pushes, and gives the
 * scheduler a throwaway TENSORBOX_HOME. Like api-service, it answers only calls that carry the
 * internal token.
 */
public class FakeApiService implements QuarkusTestResourceLifecycleManager {

    public static final List<ProcessStatus> PROCESS_EVENTS = new CopyOnWriteArrayList<>();
    public static final List<SandboxStatus> SANDBOX_EVENTS = new CopyOnWriteArrayList<>();
    /** The port sets pushed, in the order they came. */
    public static final List<PortsReport> PORT_EVENTS = new CopyOnWriteArrayList<>();
    /** The records api-service would call live; tests add every sandbox they create. */
    public static final Map<String, LiveSandbox> LIVE = new ConcurrentHashMap<>();
    public static volatile Path home;
    /** Calls that came without the internal token (the scheduler's clients must send it). */
    public static final AtomicInteger UNAUTHENTICATED = new AtomicInteger();
    private static final ObjectMapper JSON = new ObjectMapper();
    private HttpServer server;

    @Override
    public Map<String, String> start() {
        try {
            home = Files.createTempDirectory("tbx-scheduler-test");
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/internal/v1/events/", exchange -> {
            if (!authenticated(exchange)) {
                return;
            }
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (exchange.getRequestURI().getPath().endsWith("/ports")) {
                PORT_EVENTS.add(JSON.readValue(body, PortsReport.class));
            } else if (exchange.getRequestURI().getPath().endsWith("/process")) {
                PROCESS_EVENTS.add(JSON.readValue(body, ProcessStatus.class));
            } else {
                SANDBOX_EVENTS.add(JSON.readValue(body, SandboxStatus.class));
            }
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.createContext("/internal/v1/sandboxes/live", exchange -> {
            if (!authenticated(exchange)) {
                return;
            }
            byte[] body = JSON.writeValueAsBytes(LIVE.values());
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        return Map.of(
                "tensorbox.api-url", "http://127.0.0.1:" + server.getAddress().getPort(),
                "tensorbox.local.home", home.toString(),
                "tensorbox.runtime", "local",
                "tensorbox.scheduler.reconcile-interval", "1s");
    }

    /** As api-service does: its internal routes answer only the service token (a JSON 401 otherwise). */
    private static boolean authenticated(HttpExchange exchange) throws IOException {
        if (InternalCalls.TOKEN.equals(exchange.getRequestHeaders().getFirst(InternalToken.HEADER))) {
            return true;
        }
        UNAUTHENTICATED.incrementAndGet();
        byte[] body = "{\"error\":{\"code\":\"unauthenticated\",\"message\":\"no internal token\"}}".getBytes();
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(401, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
        return false;
    }

    @Override
    public void stop() {
        server.stop(0);
    }
}
