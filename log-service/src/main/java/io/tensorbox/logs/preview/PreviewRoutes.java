package io.tensorbox.logs.preview;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.tensorbox.logs.LogServiceConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Where previews are served. On log-service's own port, a route ahead of every other one (and of
 * Quarkus's body-size limit, which must not cap an upload to an app) takes the requests whose Host
 * is a preview host; every other Host goes on to the internal routes. When
 * {@code tensorbox.preview.port} is set, a second server listens there for previews only (the
 * chart's {@code preview} port behind the preview Ingress); a request there with any other Host
 * is a 404 page. It runs one server per core on the shared port, as Quarkus does for its own.
 */
@ApplicationScoped
public class PreviewRoutes {

    /** Before Quarkus's upload limit (-2) and compression (0); after only its access log and timers. */
    static final int ORDER = -100;
    private static final Logger LOG = Logger.getLogger(PreviewRoutes.class);

    private final PreviewProxy proxy;
    private final LogServiceConfig.Preview config;
    private final List<HttpServer> servers = new ArrayList<>();
    private volatile int previewPort = -1;

    public PreviewRoutes(PreviewProxy proxy, LogServiceConfig config) {
        this.proxy = proxy;
        this.config = config.preview();
    }

    void register(@Observes Router router) {
        router.route().order(ORDER).handler(ctx -> {
            if (!proxy.handle(ctx.request())) {
                ctx.next();
            }
        });
    }

    void start(@Observes StartupEvent ignored, Vertx vertx) {
        if (config.port().isEmpty()) {
            return;
        }
        int wanted = config.port().getAsInt();
        int count = Math.max(1, Runtime.getRuntime().availableProcessors());
        // Vert.x shares a port between servers of the same host and port; 0 would give each server
        // a random port of its own, a negative port one random port shared by all (tests).
        HttpServerOptions options = new HttpServerOptions().setHost(config.host()).setPort(wanted == 0 ? -1 : wanted)
                .setCompressionSupported(false).setHandle100ContinueAutomatically(false);
        for (int i = 0; i < count; i++) {
            HttpServer server = vertx.createHttpServer(options)
                    .requestHandler(request -> {
                        if (!proxy.handle(request)) {
                            PreviewPages.send(request, 404, "not_found", "This is the preview port of TensorBox: "
                                    + "only preview hosts ({port}-{sandbox}." + config.domain() + ") are served here.");
                        }
                    });
            server.listen().toCompletionStage().toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).join();
            servers.add(server);
            previewPort = server.actualPort();
        }
        LOG.info("previews are served on port " + previewPort + " too (" + count + " servers)");
    }

    void stop(@Observes ShutdownEvent ignored) {
        Future.join(servers.stream().map(HttpServer::close).toList())
                .toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).exceptionally(e -> null).join();
    }

    /** The port of the preview-only server, or -1 when there is none. */
    public int previewPort() {
        return previewPort;
    }
}
