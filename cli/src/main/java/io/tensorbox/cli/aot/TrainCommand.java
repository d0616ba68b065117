package io.tensorbox.cli.aot;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.tensorbox.cli.Main;
import picocli.CommandLine.Command;

/**
 * Hidden: the training run of the launcher's start-up cache (JDK 25+ AOT cache). It runs the usual
 * commands in this JVM against a canned API on the loopback, so the classes of parsing, HTTP, SSE,
 * JSON and output are loaded and linked when the JVM writes the cache at exit. bin/tensor-box runs it
 * once per jar build, in the background, with its output thrown away; it needs no platform.
 */
@Command(name = "__train-startup-cache", hidden = true)
public final class TrainCommand implements Callable<Integer> {
    private static final String ID = "sbx_000000000000000000000000";
    private static final String PROC = "proc_000000000000000000000000";
    private static final String PROCESS = "{\"id\":\"" + PROC + "\",\"sandbox_id\":\"" + ID + "\",\"command\":[\"sleep\",\"1\"],"
            + "\"pid\":7,\"state\":\"exited\",\"exit_code\":0,\"started_at\":1796600000,\"exited_at\":1796600001}";

    @Override
    public Integer call() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", TrainCommand::answer);
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort();
            List<List<String>> runs = List.of(
                    List.of("sandbox", "list"),
                    List.of("sandbox", "list", "--json"),
                    List.of("sandbox", "get", ID),
                    List.of("sandbox", "get", ID, "--json"),
                    List.of("sandbox", "exec", ID, "echo hi; echo err >&2", "--cwd", "app", "--env", "K=v", "--timeout-ms", "1000"),
                    List.of("sandbox", "exec", ID, "true", "--json"),
                    List.of("sandbox", "exec", ID, "sleep 1", "--background", "--json"),
                    List.of("sandbox", "logs", ID, PROC),
                    List.of("sandbox", "logs", ID, "7", "--follow"),
                    List.of("sandbox", "create"),
                    List.of("sandbox", "create", "--json", "--metadata", "a=b"),
                    List.of("keys", "create", "train", "--json"),
                    List.of("sandbox", "kill", ID),
                    List.of("keys", "list"),
                    List.of("sandbox", "get", "sbx_missing"),
                    List.of("sandbox", "exec", ID),
                    List.of("--version"));
            for (List<String> args : runs) {
                String[] argv = new String[args.size() + 4];
                argv[0] = "--api-url";
                argv[1] = url;
                argv[2] = "--api-key";
                argv[3] = "ask_train_secret";
                for (int i = 0; i < args.size(); i++) {
                    argv[i + 4] = args.get(i);
                }
                try {
                    Main.run(argv);
                } catch (RuntimeException e) {
                    // training only: what matters is what got loaded
                }
            }
        } finally {
            server.stop(0);
        }
        return 0;
    }

    private static final String SANDBOX = "{\"id\":\"" + ID + "\",\"template\":\"base\",\"state\":\"running\","
            + "\"created_at\":1796600000,\"started_at\":1796600000,\"expires_at\":1796603600,\"metadata\":{\"k\":\"v\"},"
            + "\"runtime_url\":\"RUNTIME\"}";

    private static void answer(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            ex.getRequestBody().readAllBytes();
            String base = "http://127.0.0.1:" + ex.getLocalAddress().getPort();
            String sandbox = SANDBOX.replace("RUNTIME", base + "/v1/sandboxes/" + ID);
            if (method.equals("DELETE")) {
                ex.sendResponseHeaders(204, -1);
            } else if (path.equals("/v1/sandboxes") && method.equals("GET")) {
                json(ex, 200, "{\"sandboxes\":[" + sandbox + "]}");
            } else if (path.equals("/v1/sandboxes") && method.equals("POST")) {
                json(ex, 201, sandbox.substring(0, sandbox.length() - 1) + ",\"access_token\":\"sat_train\"}");
            } else if (path.equals("/v1/sandboxes/" + ID) && method.equals("GET")) {
                json(ex, 200, sandbox);
            } else if (path.equals("/v1/sandboxes/" + ID + "/run")) {
                ex.getResponseHeaders().set("Content-Type", "text/event-stream");
                ex.sendResponseHeaders(200, 0);
                OutputStream out = ex.getResponseBody();
                out.write(("event:start\ndata:{\"pid\":1}\n\nevent:stdout\ndata:\"hi\\n\"\n\nevent:stderr\ndata:\"err\\n\"\n\n"
                        + "event:exit\ndata:{\"exit_code\":0,\"duration_ms\":1,\"timed_out\":false}\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            } else if (path.equals("/v1/sandboxes/" + ID + "/commands") && method.equals("POST")) {
                json(ex, 201, "{\"pid\":7,\"process_id\":\"" + PROC + "\"}");
            } else if (path.equals("/v1/sandboxes/" + ID + "/commands/7/stream") || path.equals("/v1/sandboxes/" + ID + "/commands/" + PROC + "/stream")) {
                ex.getResponseHeaders().set("Content-Type", "text/event-stream");
                ex.sendResponseHeaders(200, 0);
                ex.getResponseBody().write(("event:output\ndata:{\"type\":\"output\",\"data\":\"x\\n\"}\n\n"
                        + "event:exit\ndata:{\"type\":\"exit\",\"exit_code\":0}\n\n").getBytes(StandardCharsets.UTF_8));
            } else if (path.equals("/v1/sandboxes/" + ID + "/processes")) {
                json(ex, 200, "{\"processes\":[" + PROCESS + "]}");
            } else if (path.equals("/v1/sandboxes/" + ID + "/processes/" + PROC)) {
                json(ex, 200, PROCESS);
            } else if (path.equals("/v1/sandboxes/" + ID + "/processes/" + PROC + "/logs")) {
                byte[] b = "one\ntwo\n".getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().set("Content-Type", "text/plain");
                ex.sendResponseHeaders(200, b.length);
                ex.getResponseBody().write(b);
            } else if (path.equals("/v1/api-keys") && method.equals("POST")) {
                json(ex, 201, "{\"id\":\"k2\",\"name\":\"train\",\"role\":\"developer\",\"team\":\"default\","
                        + "\"key\":\"ask_k2_secret\",\"created_at\":1796600000}");
            } else if (path.equals("/v1/api-keys")) {
                json(ex, 200, "{\"api_keys\":[{\"id\":\"k1\",\"name\":\"n\",\"role\":\"admin\",\"team\":\"default\",\"created_at\":1796600000}]}");
            } else {
                json(ex, 404, "{\"error\":{\"code\":\"not_found\",\"message\":\"no such thing: " + method + " " + path + "\"}}");
            }
        }
    }

    private static void json(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
    }
}
