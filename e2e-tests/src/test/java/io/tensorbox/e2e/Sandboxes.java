package io.tensorbox.e2e;

import static io.restassured.RestAssured.given;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Remembers the sandboxes tests create, to delete them through the API afterwards. */
final class Sandboxes {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<Map.Entry<String, String>> created = new ArrayList<>();
    private static final Set<String> everCreated = new HashSet<>();

    private Sandboxes() {
    }

    static synchronized void track(String key, String sandboxId) {
        created.add(Map.entry(key, sandboxId));
        everCreated.add(sandboxId);
    }

    /** Every sandbox created through {@link Api} in this run, deleted or not. */
    static synchronized Set<String> everCreated() {
        return Set.copyOf(everCreated);
    }

    static synchronized void deleteCreated(TensorBoxCluster cluster) {
        for (Map.Entry<String, String> sandbox : created) {
            try {
                given().baseUri(cluster.apiUrl()).header("Authorization", "Bearer " + sandbox.getKey())
                        .delete("/v1/sandboxes/{id}", sandbox.getValue());
            } catch (RuntimeException e) {
                System.err.println("[e2e] could not delete " + sandbox.getValue() + ": " + e);
            }
        }
        created.clear();
    }

    /** Best effort at the end of the run: every sandbox the key can see that is not stopped. */
    static void deleteAllVisibleTo(TensorBoxCluster cluster, String key) {
        deleteCreated(cluster);
        String body = given().baseUri(cluster.apiUrl()).header("Authorization", "Bearer " + key)
                .get("/v1/sandboxes").asString();
        for (JsonNode sandbox : sandboxList(body)) {
            if (!"stopped".equals(sandbox.path("state").asText())) {
                given().baseUri(cluster.apiUrl()).header("Authorization", "Bearer " + key)
                        .delete("/v1/sandboxes/{id}", sandbox.path("id").asText());
            }
        }
    }

    /** SPEC §3 does not fix the list's envelope: a bare array or {"sandboxes": [...]}. */
    static List<JsonNode> sandboxList(String body) {
        try {
            JsonNode root = JSON.readTree(body);
            JsonNode items = root.isArray() ? root : root.path("sandboxes");
            List<JsonNode> out = new ArrayList<>();
            items.forEach(out::add);
            return out;
        } catch (Exception e) {
            throw new AssertionError("GET /v1/sandboxes did not answer a JSON list: " + body, e);
        }
    }
}
