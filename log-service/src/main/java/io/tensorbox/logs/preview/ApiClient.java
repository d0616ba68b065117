package io.tensorbox.logs.preview;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tensorbox.common.internal.InternalToken;
import io.tensorbox.logs.LogServiceConfig;
import io.tensorbox.logs.scheduler.SandboxNotFoundException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Set;

/**
 * The one call log-service makes to api-service: {@code POST /internal/v1/preview/authorize} with
 * the internal token. The answer is read strictly (every field present, of its type, states and
 * bindings from their closed sets); anything else is a {@link PreviewUnavailableException}.
 */
@ApplicationScoped
public class ApiClient {

    static final String AUTHORIZE = "/internal/v1/preview/authorize";
    private static final int MAX_ANSWER_BYTES = 16 * 1024;
    private static final Set<String> STATES = Set.of("pending", "running", "stopped", "failed");
    private static final Set<String> LISTENING = Set.of("any", "loopback", "none");

    private final HttpClient client;
    private final ObjectMapper json;
    private final String baseUrl;
    private final String token;
    private final long timeoutMs;

    public ApiClient(Vertx vertx, ObjectMapper json, LogServiceConfig config) {
        this.json = json;
        this.baseUrl = config.apiUrl().replaceAll("/+$", "");
        this.token = config.internalToken().strip();
        this.timeoutMs = config.logs().checkTimeout().toMillis();
        this.client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(5_000).setKeepAlive(true),
                new PoolOptions().setHttp1MaxSize(64));
    }

    @PreDestroy
    void close() {
        client.close();
    }

    /**
     * @param accessToken the {@code X-Access-Token} the client sent, or null
     * @param link        the link secret (from the query of a link or the preview cookie), or null
     * @return the authorization; failed with {@link SandboxNotFoundException} on 404
     */
    public Future<Authorization> authorize(String sandboxId, int port, String accessToken, String link) {
        ObjectNode body = json.createObjectNode().put("sandboxId", sandboxId).put("port", port);
        body.put("accessToken", accessToken);
        body.put("link", link);
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setAbsoluteURI(baseUrl + AUTHORIZE)
                .setConnectTimeout(timeoutMs)
                .setIdleTimeout(timeoutMs)
                .putHeader(InternalToken.HEADER, token)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.ACCEPT, "application/json");
        return client.request(options)
                .compose(req -> req.send(Buffer.buffer(body.toString())))
                .compose(response -> response.body().map(answer -> {
                    if (response.statusCode() == 404) {
                        throw new SandboxNotFoundException(sandboxId);
                    }
                    if (response.statusCode() != 200) {
                        throw new PreviewUnavailableException("api-service answered HTTP " + response.statusCode()
                                + " to an authorization.", null);
                    }
                    return parse(answer);
                }))
                .recover(failure -> failure instanceof SandboxNotFoundException
                        || failure instanceof PreviewUnavailableException
                        ? Future.failedFuture(failure)
                        : Future.failedFuture(new PreviewUnavailableException(
                                "api-service cannot be reached: " + failure.getMessage(), failure)));
    }

    Authorization parse(Buffer answer) {
        if (answer.length() > MAX_ANSWER_BYTES) {
            throw new PreviewUnavailableException("api-service answered an authorization too long to be one.", null);
        }
        JsonNode node;
        try {
            node = json.readTree(answer.getBytes());
        } catch (java.io.IOException e) {
            throw new PreviewUnavailableException("api-service answered an authorization that is not JSON.", e);
        }
        if (node == null || !node.isObject()
                || !node.path("allowed").isBoolean() || !node.path("public").isBoolean()
                || !node.path("state").isTextual() || !STATES.contains(node.path("state").asText())
                || !node.path("listening").isTextual() || !LISTENING.contains(node.path("listening").asText())) {
            throw new PreviewUnavailableException("api-service answered an authorization that cannot be read.", null);
        }
        return new Authorization(node.get("allowed").booleanValue(), node.get("state").asText(),
                node.get("listening").asText(), node.get("public").booleanValue());
    }
}
