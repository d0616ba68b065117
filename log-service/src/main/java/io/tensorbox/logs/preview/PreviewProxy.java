package io.tensorbox.logs.preview;

import io.tensorbox.logs.LogServiceConfig;
import io.tensorbox.logs.scheduler.SandboxNotFoundException;
import io.tensorbox.logs.scheduler.SandboxNotRunningException;
import io.tensorbox.logs.scheduler.SchedulerClient;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.SocketAddress;
import io.vertx.httpproxy.Body;
import io.vertx.httpproxy.HttpProxy;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyOptions;
import io.vertx.httpproxy.ProxyResponse;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The preview proxy: a request whose Host is a {@link PreviewHost} is checked with api-service
 * (contract 3), sent to the sandbox's address (contract 2) at the port of its Host by the Vert.x
 * HTTP proxy (bodies streamed both ways with back-pressure, WebSocket upgrades tunnelled), or
 * answered with a page that says why not. {@code /__tensorbox/link?secret=S} turns a signed link
 * into the host-only {@code tbx_preview} cookie.
 *
 * <p>Caches: an <em>allowed</em> authorization for at most {@link #AUTHORIZATION_TTL_NANOS} (1 s)
 * per (sandbox, port, credential), so a revoked link or a port made private stops working within
 * a second; refusals are never cached. A sandbox's address for {@link #ADDRESS_TTL_NANOS} (5 s),
 * dropped as soon as a connection to it fails.
 */
@ApplicationScoped
public class PreviewProxy {

    public static final String COOKIE = "tbx_preview";
    public static final String TOKEN_HEADER = "X-Access-Token";
    static final String LINK_PATH = "/__tensorbox/link";
    static final long AUTHORIZATION_TTL_NANOS = 1_000_000_000L;
    static final long ADDRESS_TTL_NANOS = 5_000_000_000L;
    private static final int CACHE_LIMIT = 10_000;
    /** Link secrets and access tokens: printable, cookie-safe, bounded. */
    private static final Pattern CREDENTIAL = Pattern.compile("[A-Za-z0-9._~+/=-]{1,512}");
    private static final Logger LOG = Logger.getLogger(PreviewProxy.class);

    /** envd's port in E2B: {@code 49983-{sandbox}.{domain}} is that sandbox's envd surface on api-service. */
    static final int ENVD_PORT = 49983;
    static final String SANDBOX_HEADER = "E2b-Sandbox-Id";
    private static final Pattern ENVD_PATH = Pattern.compile(
            "/(process\\.Process/[A-Za-z]{1,40}|filesystem\\.Filesystem/[A-Za-z]{1,40}|files|health)");

    private final ApiClient api;
    private final SchedulerClient scheduler;
    private final String domain;
    private final SocketAddress apiAddress;
    private final HttpClient origins;
    /** WebSocket upgrades: each on a connection of its own, never one a request used before. */
    private final HttpClient upgrades;
    private final ProxyOptions proxyOptions = new ProxyOptions().setSupportWebSocket(true);
    private final Map<String, Cached<Authorization>> authorizations = new ConcurrentHashMap<>();
    private final Map<String, Cached<String>> addresses = new ConcurrentHashMap<>();

    private record Cached<T>(T value, long until) {
        boolean fresh() {
            return System.nanoTime() - until < 0;
        }
    }

    private final PreviewMetrics metrics;

    public PreviewProxy(Vertx vertx, ApiClient api, SchedulerClient scheduler, LogServiceConfig config,
                        PreviewMetrics metrics) {
        this.metrics = metrics;
        this.api = api;
        this.scheduler = scheduler;
        this.domain = config.preview().domain();
        java.net.URI apiUri = java.net.URI.create(config.apiUrl());
        this.apiAddress = SocketAddress.inetSocketAddress(apiUri.getPort() > 0 ? apiUri.getPort()
                : "https".equals(apiUri.getScheme()) ? 443 : 80, apiUri.getHost());
        // No idle timeout: an SSE stream or a WebSocket of the app may be silent for long.
        this.origins = vertx.createHttpClient(new HttpClientOptions()
                        .setConnectTimeout((int) config.preview().connectTimeout().toMillis())
                        .setKeepAlive(true)
                        .setDecompressionSupported(false),
                new PoolOptions().setHttp1MaxSize(256));
        this.upgrades = vertx.createHttpClient(new HttpClientOptions()
                        .setConnectTimeout((int) config.preview().connectTimeout().toMillis())
                        .setKeepAlive(true), // false would send Connection: close instead of Upgrade
                new PoolOptions().setHttp1MaxSize(1_000));
    }

    @PreDestroy
    void close() {
        origins.close();
        upgrades.close();
    }

    /**
     * Handles the request when its Host is a preview host.
     *
     * @return false when it is not one (the caller routes it elsewhere); the request is untouched then
     */
    public boolean handle(HttpServerRequest request) {
        HostAndPort authority = request.authority();
        PreviewHost host = authority == null ? null : PreviewHost.parse(hostText(authority), domain);
        if (host == null) {
            return false;
        }
        long start = System.nanoTime();
        request.pause(); // nothing of the body may be lost while we ask around
        try {
            if (host.port() == ENVD_PORT) {
                envd(request, host);
            } else if (LINK_PATH.equals(request.path())) {
                link(request, host, start);
            } else {
                proxy(request, host, start);
            }
        } catch (RuntimeException e) {
            LOG.error("preview request to " + host.label() + " failed", e);
            page(request, start, 500, "internal_error", "The preview proxy failed to answer; the cause is in its log.");
        }
        return true;
    }

    private static String hostText(HostAndPort authority) {
        return authority.port() >= 0 ? authority.host() + ":" + authority.port() : authority.host();
    }

    private void link(HttpServerRequest request, PreviewHost host, long start) {
        if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
            request.response().putHeader(HttpHeaders.ALLOW, "GET, HEAD");
            page(request, start, 405, "method_not_allowed", "A preview link is opened with GET.");
            return;
        }
        List<String> secrets = request.params().getAll("secret");
        String secret = secrets.size() == 1 ? secrets.get(0) : null;
        if (secret == null || !CREDENTIAL.matcher(secret).matches()) {
            page(request, start, 403, "link_invalid", "This preview link is not valid.");
            return;
        }
        api.authorize(host.sandboxId(), host.port(), null, secret).onComplete(answer -> {
            if (answer.failed()) {
                failed(request, host, answer.cause(), start);
            } else if (!answer.result().allowed()) {
                page(request, start, 403, "link_invalid",
                        "This preview link has expired, was revoked, or is not for this port.");
            } else {
                StringBuilder cookie = new StringBuilder(COOKIE).append('=').append(secret)
                        .append("; HttpOnly; SameSite=Lax; Path=/");
                if ("https".equals(forwardedProto(request))) {
                    cookie.append("; Secure");
                }
                PreviewPages.discardBody(request);
                metrics.record("link_opened", start);
                request.response().setStatusCode(302)
                        .putHeader(HttpHeaders.LOCATION, "/")
                        .putHeader(HttpHeaders.SET_COOKIE, cookie.toString())
                        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                        .putHeader("Referrer-Policy", "no-referrer")
                        .end();
            }
        });
    }

    /**
     * {@code 49983-{sandbox}.{domain}}, the host E2B's SDKs use for envd when no {@code E2B_SANDBOX_URL}
     * is set: envd's routes go to api-service with the sandbox in {@code E2b-Sandbox-Id} (api-service
     * authenticates them as ever: the sandbox's {@code X-Access-Token}); other paths are not envd's.
     */
    private void envd(HttpServerRequest request, PreviewHost host) {
        if (request.path() == null || !ENVD_PATH.matcher(request.path()).matches()) {
            PreviewPages.send(request, 404, "not_found", "Port " + ENVD_PORT + " serves envd's routes only"
                    + " (/process.Process/*, /filesystem.Filesystem/*, /files, /health).");
            return;
        }
        request.headers().set(SANDBOX_HEADER, host.sandboxId());
        HttpClient to = isUpgrade(request.headers()) ? upgrades : origins;
        HttpProxy proxy = HttpProxy.reverseProxy(proxyOptions, to);
        proxy.origin(apiAddress);
        proxy.handle(request);
    }

    private void proxy(HttpServerRequest request, PreviewHost host, long start) {
        String token = request.getHeader(TOKEN_HEADER);
        if (token != null && !CREDENTIAL.matcher(token).matches()) {
            page(request, start, 403, "preview_forbidden", "This access token does not open this preview.");
            return;
        }
        String link = cookie(request.headers());
        authorization(host, token, link).onComplete(answer -> {
            if (answer.failed()) {
                failed(request, host, answer.cause(), start);
                return;
            }
            Authorization authorization = answer.result();
            if (!authorization.allowed()) {
                if (token == null && link == null) {
                    page(request, start, 401, "preview_unauthorized", "This preview is private: send the sandbox's "
                            + "access token in X-Access-Token, or open a preview link.");
                } else {
                    page(request, start, 403, "preview_forbidden",
                            "These credentials do not open this preview (a link works for one sandbox and port only).");
                }
            } else if (!authorization.running()) {
                page(request, start, 502, "sandbox_not_running", "The sandbox is not running.");
            } else if ("loopback".equals(authorization.listening())) {
                page(request, start, 502, "port_loopback_only", "The app on port " + host.port()
                        + " is listening on 127.0.0.1 only (bind 0.0.0.0 to serve it here).");
            } else if (!"any".equals(authorization.listening())) {
                notListening(request, host, start);
            } else {
                address(host.sandboxId()).onComplete(address -> {
                    if (address.failed()) {
                        failed(request, host, address.cause(), start);
                    } else {
                        forward(request, host, address.result(), start);
                    }
                });
            }
        });
    }

    private void notListening(HttpServerRequest request, PreviewHost host, long start) {
        page(request, start, 502, "port_not_listening", "Nothing is listening on port " + host.port() + ".");
    }

    private void failed(HttpServerRequest request, PreviewHost host, Throwable cause, long start) {
        if (cause instanceof SandboxNotFoundException) {
            page(request, start, 404, "sandbox_not_found", "There is no such sandbox.");
        } else if (cause instanceof SandboxNotRunningException) {
            page(request, start, 502, "sandbox_not_running", "The sandbox is not running.");
        } else {
            LOG.warn("preview of " + host.label() + " cannot be checked: " + cause.getMessage());
            page(request, start, 503, "preview_unavailable", "The preview cannot be served right now; try again shortly.");
        }
    }

    private Future<Authorization> authorization(PreviewHost host, String token, String link) {
        String key = host.sandboxId() + ':' + host.port() + ':' + (token == null ? "" : token) + ':' + (link == null ? "" : link);
        Cached<Authorization> cached = authorizations.get(key);
        if (cached != null && cached.fresh()) {
            return Future.succeededFuture(cached.value());
        }
        return api.authorize(host.sandboxId(), host.port(), token, link).onSuccess(answer -> {
            if (answer.allowed()) {
                if (authorizations.size() >= CACHE_LIMIT) {
                    authorizations.clear();
                }
                authorizations.put(key, new Cached<>(answer, System.nanoTime() + AUTHORIZATION_TTL_NANOS));
            } else {
                authorizations.remove(key);
            }
        });
    }

    private Future<String> address(String sandboxId) {
        Cached<String> cached = addresses.get(sandboxId);
        if (cached != null && cached.fresh()) {
            return Future.succeededFuture(cached.value());
        }
        return scheduler.address(sandboxId).onSuccess(address -> {
            if (addresses.size() >= CACHE_LIMIT) {
                addresses.clear();
            }
            addresses.put(sandboxId, new Cached<>(address, System.nanoTime() + ADDRESS_TTL_NANOS));
        });
    }

    private void forward(HttpServerRequest request, PreviewHost host, String address, long start) {
        MultiMap headers = request.headers();
        headers.remove(TOKEN_HEADER);
        stripCookie(headers);
        String client = request.remoteAddress() == null ? null : request.remoteAddress().hostAddress();
        if (client != null) {
            String before = headers.get("X-Forwarded-For");
            headers.set("X-Forwarded-For", before == null || before.isBlank() ? client : before + ", " + client);
        }
        headers.set("X-Forwarded-Proto", forwardedProto(request));
        headers.set("X-Forwarded-Host", hostText(request.authority()));
        if ("100-continue".equalsIgnoreCase(headers.get(HttpHeaders.EXPECT))) {
            // the body is welcome now that the request is allowed; the app's own 100 would not reach the client
            headers.remove(HttpHeaders.EXPECT);
            request.response().writeContinue();
        }

        SocketAddress origin = SocketAddress.inetSocketAddress(host.port(), address);
        HostAndPort authority = request.authority();
        HttpClient to = isUpgrade(headers) ? upgrades : origins;
        HttpProxy proxy = HttpProxy.reverseProxy(proxyOptions, to);
        proxy.origin(context -> to.request(new RequestOptions().setServer(origin))
                .map(originRequest -> {
                    originRequest.authority(authority); // the Host the client sent
                    return originRequest;
                })
                .onFailure(failure -> {
                    addresses.remove(host.sandboxId());
                    context.set(CONNECT_FAILED, Boolean.TRUE);
                }));
        proxy.addInterceptor(new Pages(host, start, metrics));
        proxy.handle(request);
    }

    private static boolean isUpgrade(MultiMap headers) {
        String upgrade = headers.get(HttpHeaders.UPGRADE);
        return upgrade != null && upgrade.toLowerCase(java.util.Locale.ROOT).contains("websocket");
    }

    private static final String CONNECT_FAILED = "tensorbox.connect-failed";
    private static final String OUTCOME = "tensorbox.outcome";

    /** Answers with our page and counts the request by the page's code. */
    private void page(HttpServerRequest request, long start, int status, String code, String message) {
        metrics.record(PreviewMetrics.outcomeOf(code), start);
        PreviewPages.send(request, status, code, message);
    }

    /** Replaces the proxy's empty 502 by a page, and keeps the app from setting our cookie. */
    private record Pages(PreviewHost host, long start, PreviewMetrics metrics) implements ProxyInterceptor {

        @Override
        public Future<ProxyResponse> handleProxyRequest(ProxyContext context) {
            return context.sendRequest().recover(failure -> {
                ProxyResponse response = context.request().release().response();
                boolean refused = Boolean.TRUE.equals(context.get(CONNECT_FAILED, Boolean.class));
                HttpServerRequest request = context.request().proxiedRequest();
                String message = refused
                        ? "Nothing is listening on port " + host.port() + "."
                        : "The app on port " + host.port() + " closed the connection without answering.";
                String code = refused ? "port_not_listening" : "app_no_answer";
                context.set(OUTCOME, PreviewMetrics.outcomeOf(code));
                boolean json = PreviewPages.wantsJson(request);
                Buffer body = json
                        ? Buffer.buffer(new io.vertx.core.json.JsonObject().put("error",
                                new io.vertx.core.json.JsonObject().put("code", code).put("message", message)).encode())
                        : Buffer.buffer("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>502 · TensorBox preview</title>"
                                + "</head>\n<body><h1>502</h1><p>" + PreviewPages.escape(message)
                                + "</p><p><small>TensorBox preview proxy</small></p></body></html>\n");
                response.setStatusCode(502)
                        .putHeader(HttpHeaders.CONTENT_TYPE, json ? "application/json" : "text/html; charset=utf-8")
                        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                        .setBody(Body.body(body));
                return Future.succeededFuture(response);
            });
        }

        @Override
        public Future<Void> handleProxyResponse(ProxyContext context) {
            String outcome = context.get(OUTCOME, String.class);
            metrics.record(outcome == null ? "proxied" : outcome, start);
            MultiMap headers = context.response().headers();
            List<String> cookies = headers.getAll(HttpHeaders.SET_COOKIE);
            if (cookies.stream().anyMatch(PreviewProxy::setsOurCookie)) {
                List<String> kept = cookies.stream().filter(c -> !setsOurCookie(c)).toList();
                headers.remove(HttpHeaders.SET_COOKIE);
                kept.forEach(c -> headers.add(HttpHeaders.SET_COOKIE, c));
            }
            return context.sendResponse();
        }
    }

    static boolean setsOurCookie(String setCookie) {
        return setCookie.strip().regionMatches(true, 0, COOKIE + "=", 0, COOKIE.length() + 1);
    }

    private static String forwardedProto(HttpServerRequest request) {
        String before = request.getHeader("X-Forwarded-Proto");
        if ("https".equalsIgnoreCase(before) || "http".equalsIgnoreCase(before)) {
            return before.toLowerCase(java.util.Locale.ROOT);
        }
        return request.isSSL() ? "https" : "http";
    }

    /** The first well-formed {@code tbx_preview} cookie of the request, or null. */
    static String cookie(MultiMap headers) {
        for (String header : headers.getAll(HttpHeaders.COOKIE)) {
            if (header.length() > 16 * 1024) {
                continue;
            }
            for (String pair : header.split(";")) {
                String trimmed = pair.strip();
                if (trimmed.startsWith(COOKIE + "=")) {
                    String value = trimmed.substring(COOKIE.length() + 1);
                    if (CREDENTIAL.matcher(value).matches()) {
                        return value;
                    }
                }
            }
        }
        return null;
    }

    /** Removes every {@code tbx_preview} cookie, keeping the app's own cookies as they were. */
    static void stripCookie(MultiMap headers) {
        List<String> all = headers.getAll(HttpHeaders.COOKIE);
        if (all.isEmpty()) {
            return;
        }
        List<String> kept = new ArrayList<>();
        for (String header : all) {
            List<String> pairs = new ArrayList<>();
            for (String pair : header.split(";")) {
                String trimmed = pair.strip();
                if (!trimmed.isEmpty() && !trimmed.startsWith(COOKIE + "=") && !trimmed.equals(COOKIE)) {
                    pairs.add(trimmed);
                }
            }
            if (!pairs.isEmpty()) {
                kept.add(String.join("; ", pairs));
            }
        }
        headers.remove(HttpHeaders.COOKIE);
        kept.forEach(value -> headers.add(HttpHeaders.COOKIE, value));
    }
}
