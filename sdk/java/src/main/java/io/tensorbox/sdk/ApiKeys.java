package io.tensorbox.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import io.tensorbox.sdk.internal.Json;
import io.tensorbox.sdk.internal.Transport;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Manages the team's API keys; needs an admin key.
 *
 * <pre>{@code
 * ApiKeys keys = ApiKeys.of(ConnectionConfig.fromEnvironment());
 * CreatedApiKey ci = keys.create("ci", "developer");   // ci.key() is shown only now
 * keys.revoke(ci.id());
 * }</pre>
 */
public final class ApiKeys {
    private final ConnectionConfig config;
    private final Transport control;

    private ApiKeys(ConnectionConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.control = new Transport(config);
    }

    /** API keys through a connection. */
    public static ApiKeys create(ConnectionConfig config) {
        return new ApiKeys(config);
    }

    /** API keys through a connection (alias of {@link #create(ConnectionConfig)}). */
    public static ApiKeys of(ConnectionConfig config) {
        return new ApiKeys(config);
    }

    /** API keys through the connection of the environment. */
    public static ApiKeys fromEnvironment() {
        return new ApiKeys(ConnectionConfig.fromEnvironment());
    }

    /**
     * Creates a key; its secret ({@link CreatedApiKey#key()}) is only returned here.
     *
     * @param role {@code viewer}, {@code developer} or {@code admin}
     */
    public CreatedApiKey create(String name, String role) {
        return create(name, role, null);
    }

    /**
     * Creates a key in a given spelling: {@code "e2b"} gives {@code e2b_<hex>}, the only form E2B's
     * SDKs accept (for {@code E2B_API_KEY}); {@code null} or {@code "ask"} the usual {@code ask_...}.
     */
    public CreatedApiKey create(String name, String role, String format) {
        var body = Json.object().put("name", name).put("role", role);
        if (format != null) {
            body.put("format", format);
        }
        JsonNode n = control.json("POST", base(), body);
        return new CreatedApiKey(Json.text(n, "id"), Json.text(n, "name"), Json.text(n, "role"), Json.text(n, "team"),
                Json.text(n, "key"), Json.longValue(n, "created_at", 0));
    }

    /** The team's keys (never their secrets). */
    public List<ApiKeyInfo> list() {
        JsonNode answer = control.json("GET", base(), null);
        JsonNode arr = answer != null && answer.has("api_keys") ? answer : null;
        List<JsonNode> items = arr != null ? Json.array(arr, "api_keys") : Json.array(answer, "keys");
        List<ApiKeyInfo> out = new ArrayList<>();
        for (JsonNode n : items) {
            out.add(new ApiKeyInfo(Json.text(n, "id"), Json.text(n, "name"), Json.text(n, "role"), Json.text(n, "team"),
                    Json.longValue(n, "created_at", 0)));
        }
        return List.copyOf(out);
    }

    /**
     * Revokes a key; it is refused at once.
     *
     * @throws NotFoundException when there is no such key
     */
    public void revoke(String id) {
        control.json("DELETE", base() + "/" + Transport.enc(Objects.requireNonNull(id, "id")), null);
    }

    /** The connection used. */
    public ConnectionConfig config() {
        return config;
    }

    private String base() {
        return config.apiUrl() + "/v1/api-keys";
    }
}
