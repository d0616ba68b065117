package io.tensorbox.sdk.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.tensorbox.sdk.ConnectionConfig;
import io.tensorbox.sdk.TensorBoxException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;

/**
 * HTTP calls of the SDK over one shared {@link HttpClient} (HTTP/1.1, daemon threads). Authenticates
 * with the sandbox's access token when one is given, else with the API key.
 */
public final class Transport {
    /** The SDK's user agent. */
    public static final String USER_AGENT = "tensorbox-java-sdk/0.1";

    private static volatile HttpClient shared;

    private final ConnectionConfig config;
    private final String accessToken;

    /** Calls authenticated by the API key. */
    public Transport(ConnectionConfig config) {
        this(config, null);
    }

    /** Calls authenticated by {@code accessToken} (runtime API), or the API key when it is {@code null}. */
    public Transport(ConnectionConfig config, String accessToken) {
        this.config = config;
        this.accessToken = accessToken;
    }

    /** The shared client. */
    public static HttpClient client() {
        HttpClient c = shared;
        if (c == null) {
            synchronized (Transport.class) {
                c = shared;
                if (c == null) {
                    c = HttpClient.newBuilder()
                            .version(HttpClient.Version.HTTP_1_1)
                            .followRedirects(HttpClient.Redirect.NEVER)
                            .build();
                    shared = c;
                }
            }
        }
        return c;
    }

    /** The configuration. */
    public ConnectionConfig config() {
        return config;
    }

    /** The name and value of the authentication header. */
    public String[] authHeader() {
        return accessToken != null
                ? new String[] {"X-Access-Token", accessToken}
                : new String[] {"Authorization", "Bearer " + config.apiKey()};
    }

    /** Percent-encodes a path segment or query value. */
    public static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** A request builder with authentication, user agent and timeout ({@code null} = the configured one). */
    public HttpRequest.Builder request(String url, Duration timeout) {
        String[] auth = authHeader();
        return HttpRequest.newBuilder(URI.create(url))
                .timeout(timeout != null ? timeout : config.requestTimeout())
                .header("User-Agent", USER_AGENT)
                .header(auth[0], auth[1]);
    }

    /** A request builder with authentication and user agent but no timeout (an upload takes as long as it takes). */
    public HttpRequest.Builder untimedRequest(String url) {
        String[] auth = authHeader();
        return HttpRequest.newBuilder(URI.create(url))
                .header("User-Agent", USER_AGENT)
                .header(auth[0], auth[1]);
    }

    /** A JSON body publisher ({@code null} = no body). */
    public static HttpRequest.BodyPublisher jsonBody(JsonNode body) {
        return body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(Json.write(body), StandardCharsets.UTF_8);
    }

    /**
     * Sends a request with an optional JSON body and returns the parsed JSON answer ({@code null}
     * for an empty one, e.g. 204). Error answers throw the mapped {@link TensorBoxException}.
     */
    public JsonNode json(String method, String url, JsonNode body) {
        HttpResponse<String> r = send(method, url, body, null, "application/json");
        check(r);
        return r.body() == null || r.body().isBlank() ? null : Json.parse(r.body());
    }

    /** DELETE: {@code true} on success, {@code false} on 404; other errors throw. */
    public boolean delete(String url) {
        HttpResponse<String> r = send("DELETE", url, null, null, "application/json");
        if (r.statusCode() == 404) {
            return false;
        }
        check(r);
        return true;
    }

    /** GET of a text answer. */
    public String text(String url) {
        HttpResponse<String> r = send("GET", url, null, null, "text/plain, application/json;q=0.5");
        check(r);
        return r.body();
    }

    /** Sends and returns the raw answer (any status). */
    public HttpResponse<String> send(String method, String url, JsonNode body, Duration timeout, String accept) {
        HttpRequest.Builder b = request(url, timeout).method(method, jsonBody(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        b.header("Accept", accept);
        CompletableFuture<HttpResponse<String>> f =
                client().sendAsync(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        return await(f, () -> f.cancel(true), method + " " + url);
    }

    /** Throws the mapped exception unless the answer is a 2xx. */
    public static void check(HttpResponse<String> r) {
        if (r.statusCode() / 100 != 2) {
            throw Errors.fromResponse(r.statusCode(), r.body());
        }
    }

    /** An answer whose headers arrived; its body is still to be read (exactly once). */
    public static final class Opened {
        private final int status;
        private final HttpHeaders headers;
        private final Flow.Publisher<List<ByteBuffer>> body;

        Opened(HttpResponse<Flow.Publisher<List<ByteBuffer>>> r) {
            this.status = r.statusCode();
            this.headers = r.headers();
            this.body = r.body();
        }

        /** The status. */
        public int status() {
            return status;
        }

        /** The media type, lower case, without parameters ({@code ""} when absent). */
        public String mediaType() {
            String ct = headers.firstValue("Content-Type").orElse("");
            int semi = ct.indexOf(';');
            return (semi < 0 ? ct : ct.substring(0, semi)).trim().toLowerCase(java.util.Locale.ROOT);
        }

        /** Streams the body into {@code stream}. */
        public void subscribe(BodyStream stream) {
            body.subscribe(stream);
        }

        /** Reads the whole body as text (blocks). */
        public String readAll() {
            HttpResponse.BodySubscriber<String> s = HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8);
            body.subscribe(s);
            CompletableFuture<String> f = s.getBody().toCompletableFuture();
            return await(f, () -> f.cancel(true), "reading the answer");
        }

        /** Throws the mapped exception unless the status is 2xx (reads the error body). */
        public Opened check() {
            if (status / 100 != 2) {
                throw Errors.fromResponse(status, readAll());
            }
            return this;
        }
    }

    /**
     * Sends a request whose answer is streamed: returns once the headers arrived (bounded by the
     * request's timeout), leaving the body to be read.
     */
    public Opened open(HttpRequest request) {
        CompletableFuture<HttpResponse<Flow.Publisher<List<ByteBuffer>>>> f =
                client().sendAsync(request, HttpResponse.BodyHandlers.ofPublisher());
        return new Opened(await(f, () -> f.cancel(true), request.method() + " " + request.uri()));
    }

    /**
     * Waits for a future; an interrupt runs {@code onInterrupt}, keeps the interrupt flag and
     * throws. Failures are mapped to SDK exceptions.
     */
    public static <T> T await(CompletableFuture<T> f, Runnable onInterrupt, String what) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            onInterrupt.run();
            Thread.currentThread().interrupt();
            throw new TensorBoxException(0, "interrupted", what + ": interrupted", e);
        } catch (ExecutionException e) {
            throw Errors.fromThrowable(e.getCause(), what);
        } catch (java.util.concurrent.CancellationException e) {
            throw Errors.fromThrowable(e, what);
        }
    }
}
