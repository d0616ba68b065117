package io.tensorbox.logs.preview;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.tensorbox.logs.logs.FakeScheduler;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;


/**
 * Preview proxy overhead (bench/preview-bench; not run by {@code mvn test}: run it with
 * {@code -Dtest=PreviewBench}). The same small GET (a 30-byte page of a Vert.x server on the
 * loopback) straight to the app and through log-service's preview host, in one run: first one
 * request at a time (latency p50/p99), then {@code bench.concurrency} connections at once
 * (throughput). Keep-alive connections on both paths; the proxy's authorization (fake api-service)
 * and address (fake scheduler) are cached as in production (1 s, 5 s).
 */
@QuarkusTest
@QuarkusTestResource(value = FakeApi.class, restrictToAnnotatedClass = true)
class PreviewBench {

    private static final String SBX = "sbx_0000000000000000000be4c0";

    @TestHTTPResource("/")
    URL root;

    @jakarta.inject.Inject
    PreviewRoutes routes;

    record Run(String name, double[] latenciesMs, double seconds) {
        double percentile(double p) {
            double[] sorted = latenciesMs.clone();
            Arrays.sort(sorted);
            return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
        }

        double rate() {
            return latenciesMs.length / seconds;
        }
    }

    @Test
    void proxyOverhead() throws Exception {
        int requests = Integer.getInteger("bench.requests", 5_000);
        int concurrency = Integer.getInteger("bench.concurrency", 8);
        Vertx vertx = Vertx.vertx();
        try {
            Backend app = new Backend(vertx, "bench");
            FakeApi.Sandbox sandbox = new FakeApi.Sandbox();
            sandbox.token = "sat_bench";
            sandbox.listening.put(app.port, "any");
            FakeApi.SANDBOXES.put(SBX, sandbox);
            FakeScheduler.ADDRESSES.put(SBX, "127.0.0.1");
            HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
                    new PoolOptions().setHttp1MaxSize(concurrency));
            RequestOptions direct = new RequestOptions().setServer(SocketAddress.inetSocketAddress(app.port, "127.0.0.1"))
                    .setHost("127.0.0.1").setPort(app.port).setURI("/page");
            RequestOptions proxied = new RequestOptions().setServer(SocketAddress.inetSocketAddress(root.getPort(), "127.0.0.1"))
                    .setHost(app.port + "-" + SBX.replace('_', '-') + ".localhost").setPort(root.getPort()).setURI("/page")
                    .addHeader("X-Access-Token", sandbox.token);

            RequestOptions previewPort = new RequestOptions(proxied)
                    .setServer(SocketAddress.inetSocketAddress(routes.previewPort(), "127.0.0.1")).setPort(routes.previewPort());
            for (RequestOptions warm : List.of(direct, proxied, previewPort)) { // JIT, pools
                run("warm-up", vertx, client, warm, 3_000, concurrency);
            }
            List<Run> runs = new ArrayList<>();
            runs.add(run("direct, 1 at a time", vertx, client, direct, requests, 1));
            runs.add(run("proxy, 1 at a time", vertx, client, proxied, requests, 1));
            runs.add(run("direct, " + concurrency + " at once", vertx, client, direct, requests * 2, concurrency));
            runs.add(run("proxy, " + concurrency + " at once", vertx, client, proxied, requests * 2, concurrency));
            runs.add(run("proxy on the preview-only port, 1 at a time", vertx, client, previewPort, requests, 1));
            runs.add(run("proxy on the preview-only port, " + concurrency + " at once", vertx, client, previewPort, requests * 2, concurrency));

            StringBuilder table = new StringBuilder("| GET of a small page | p50 ms | p99 ms | req/s |\n| --- | --- | --- | --- |\n");
            for (Run run : runs) {
                table.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f | %.0f |%n",
                        run.name(), run.percentile(0.50), run.percentile(0.99), run.rate()));
            }
            table.append(String.format(Locale.ROOT, "%np50 overhead (1 at a time): %.3f ms; throughput proxy/direct (%d at once): %.2f×%n",
                    runs.get(1).percentile(0.5) - runs.get(0).percentile(0.5), concurrency,
                    runs.get(3).rate() / runs.get(2).rate()));
            System.out.println("\n" + table);
            Files.writeString(Path.of("target", "preview-bench.md"), table);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
        }
    }

    /**
     * {@code concurrency} workers, each an asynchronous loop of requests on one Vert.x event loop
     * (as a real client would run, not a thread blocked per request).
     */
    private static Run run(String name, Vertx vertx, HttpClient client, RequestOptions options, int requests, int concurrency) {
        double[] latencies = new double[requests];
        int each = requests / concurrency;
        List<CompletableFuture<Void>> workers = new ArrayList<>();
        long start = System.nanoTime();
        for (int w = 0; w < concurrency; w++) {
            int from = w * each;
            CompletableFuture<Void> done = new CompletableFuture<>();
            workers.add(done);
            vertx.runOnContext(v -> next(client, options, latencies, from, from + each, done));
        }
        CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).orTimeout(10, TimeUnit.MINUTES).join();
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Run(name, Arrays.copyOf(latencies, each * concurrency), seconds);
    }

    private static void next(HttpClient client, RequestOptions options, double[] latencies, int i, int end,
                             CompletableFuture<Void> done) {
        if (i == end) {
            done.complete(null);
            return;
        }
        long t0 = System.nanoTime();
        client.request(new RequestOptions(options).setMethod(HttpMethod.GET))
                .compose(request -> request.send())
                .compose(response -> response.body().map(body -> response.statusCode()))
                .timeout(30, TimeUnit.SECONDS)
                .onComplete(answer -> {
                    if (answer.failed() || answer.result() != 200) {
                        done.completeExceptionally(new AssertionError("request " + i + ": "
                                + (answer.failed() ? answer.cause() : "HTTP " + answer.result())));
                        return;
                    }
                    latencies[i] = (System.nanoTime() - t0) / 1e6;
                    next(client, options, latencies, i + 1, end, done);
                });
    }

    private static <T> T join(Future<T> future) {
        return future.toCompletionStage().toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).join();
    }
}
