package io.tensorbox.helm;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The few API-server answers Helm's {@code lookup} needs: discovery of core/v1 and GETs of
 * Secrets. helm-java's template runs lookups against the cluster of {@code KUBECONFIG}; the build
 * points {@code KUBECONFIG} at the file this class writes, so tests never reach a real cluster and
 * can play "the Secret already exists" (an upgrade).
 */
final class FakeKubeApi {
    private static final String CORE_V1 = """
            {"kind":"APIResourceList","apiVersion":"v1","groupVersion":"v1","resources":[
              {"name":"secrets","singularName":"secret","namespaced":true,"kind":"Secret","verbs":["get","list"]}]}""";
    private static final String NOT_FOUND = """
            {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","reason":"NotFound","code":404}""";

    private static final Map<String, String> SECRETS = new ConcurrentHashMap<>();
    private static HttpServer server;

    private FakeKubeApi() {
    }

    /** Starts the server once and writes the kubeconfig named by the build's {@code KUBECONFIG}. */
    static synchronized void ensureStarted() {
        if (server != null) {
            return;
        }
        String kubeconfig = System.getenv("KUBECONFIG");
        if (kubeconfig == null || kubeconfig.isBlank()) {
            throw new IllegalStateException("run through Maven: the build sets KUBECONFIG to the fake API server's kubeconfig");
        }
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", FakeKubeApi::handle);
            server.start();
            Path file = Path.of(kubeconfig);
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, """
                    apiVersion: v1
                    kind: Config
                    clusters: [{name: fake, cluster: {server: "http://127.0.0.1:%d"}}]
                    users: [{name: fake, user: {}}]
                    contexts: [{name: fake, context: {cluster: fake, user: fake}}]
                    current-context: fake
                    """.formatted(server.getAddress().getPort()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A Secret the next renders find with {@code lookup}. */
    static void putSecret(String namespace, String name, Map<String, String> data) {
        String encoded = data.entrySet().stream()
                .map(e -> "\"%s\":\"%s\"".formatted(e.getKey(),
                        Base64.getEncoder().encodeToString(e.getValue().getBytes(StandardCharsets.UTF_8))))
                .collect(Collectors.joining(","));
        SECRETS.put("/api/v1/namespaces/%s/secrets/%s".formatted(namespace, name), """
                {"apiVersion":"v1","kind":"Secret","metadata":{"name":"%s","namespace":"%s"},"type":"Opaque","data":{%s}}"""
                .formatted(name, namespace, encoded));
    }

    static void clear() {
        SECRETS.clear();
    }

    private static void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String body;
        int status = 200;
        if ("/api/v1".equals(path)) {
            body = CORE_V1;
        } else if (SECRETS.containsKey(path)) {
            body = SECRETS.get(path);
        } else {
            status = 404;
            body = NOT_FOUND;
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }
}
