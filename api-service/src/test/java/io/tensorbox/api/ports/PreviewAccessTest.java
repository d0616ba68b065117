package io.tensorbox.api.ports;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.tensorbox.api.Api;
import io.tensorbox.api.auth.KeyFormat;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.tensorbox.api.Api.as;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Signed links (create, revoke, expiry) and the authorize answers log-service's preview proxy acts on. */
@QuarkusTest
class PreviewAccessTest {

    @Inject
    EntityManager em;

    @Test
    void linksOpenExactlyTheirPortOfTheirSandboxUntilRevoked() {
        String key = Api.newTeam();
        JsonPath created = as(key).body("{}").post("/v1/sandboxes").then().statusCode(201).extract().jsonPath();
        String sbx = created.getString("id");
        String token = created.getString("access_token");
        String other = Api.sandbox(key);

        long before = Instant.now().getEpochSecond();
        JsonPath link = as(key).body("{}").post("/v1/sandboxes/" + sbx + "/ports/3000/links").then().statusCode(201)
                .extract().jsonPath();
        String prefix = "http://3000-" + sbx.replace('_', '-') + ".localhost:8082/__tensorbox/link?secret=";
        String url = link.getString("url");
        assertTrue(url.startsWith(prefix), url);
        String secret = url.substring(prefix.length());
        assertTrue(secret.matches("[0-9a-f]{64}"), secret);
        assertTrue(link.getString("id").matches("lnk_[0-9a-f]{24}"), link.getString("id"));
        long expiresAt = link.getLong("expires_at");
        assertTrue(expiresAt >= before + 3600 && expiresAt <= before + 3605, "default ttl 3600: " + expiresAt);
        String stored = QuarkusTransaction.requiringNew().call(() -> (String) em.createNativeQuery(
                "SELECT secret_hash FROM links WHERE id = ?1").setParameter(1, link.getString("id")).getSingleResult());
        assertEquals(KeyFormat.hash(secret), stored, "only a hash of the secret is stored");

        authorize(sbx, 3000, null, secret).body("allowed", equalTo(true)).body("state", equalTo("running"))
                .body("listening", equalTo("none")).body("public", equalTo(false));
        authorize(sbx, 3001, null, secret).body("allowed", equalTo(false));
        authorize(other, 3000, null, secret).body("allowed", equalTo(false));
        authorize(sbx, 3000, null, secret + "0").body("allowed", equalTo(false));
        authorize(sbx, 3000, null, "x".repeat(10_000)).body("allowed", equalTo(false));

        as(key).delete("/v1/sandboxes/" + sbx + "/ports/3001/links/" + link.getString("id")).then().statusCode(404)
                .body("error.code", equalTo("link_not_found"));
        as(key).delete("/v1/sandboxes/" + other + "/ports/3000/links/" + link.getString("id")).then().statusCode(404);
        as(Api.newTeam()).delete("/v1/sandboxes/" + sbx + "/ports/3000/links/" + link.getString("id")).then().statusCode(404);
        authorize(sbx, 3000, null, secret).body("allowed", equalTo(true));
        RestAssured.given().header("X-Access-Token", token)
                .delete("/v1/sandboxes/" + sbx + "/ports/3000/links/" + link.getString("id")).then().statusCode(204);
        authorize(sbx, 3000, null, secret).body("allowed", equalTo(false));
        as(key).delete("/v1/sandboxes/" + sbx + "/ports/3000/links/" + link.getString("id")).then().statusCode(204);
        as(key).delete("/v1/sandboxes/" + sbx + "/ports/3000/links/lnk_000000000000000000000000").then().statusCode(404);
    }

    @Test
    void expiredLinksOpenNothingAndTtlsAreChecked() {
        String key = Api.newTeam();
        String sbx = Api.sandbox(key);
        String url = as(key).body(Map.of("ttl_seconds", 1)).post("/v1/sandboxes/" + sbx + "/ports/8000/links").then()
                .statusCode(201).extract().path("url");
        String secret = url.substring(url.indexOf("secret=") + 7);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() ->
                !authorize(sbx, 8000, null, secret).extract().<Boolean>path("allowed"));

        for (Object bad : List.of(Map.of("ttl_seconds", 0), Map.of("ttl_seconds", 7 * 86400 + 1),
                Map.of("ttl_seconds", "60"))) {
            as(key).body(bad).post("/v1/sandboxes/" + sbx + "/ports/8000/links").then().statusCode(400);
        }
        as(key).body(Map.of("ttl_seconds", 7 * 86400)).post("/v1/sandboxes/" + sbx + "/ports/8000/links").then().statusCode(201);
        as(key).body("{}").post("/v1/sandboxes/" + sbx + "/ports/0/links").then().statusCode(400);
        as(key).body("{}").post("/v1/sandboxes/" + sbx + "/ports/abc/links").then().statusCode(400);
        as(Api.key(key, "viewer")).body("{}").post("/v1/sandboxes/" + sbx + "/ports/8000/links").then().statusCode(403);
        as(key).delete("/v1/sandboxes/" + sbx).then().statusCode(204);
        as(key).body("{}").post("/v1/sandboxes/" + sbx + "/ports/8000/links").then().statusCode(409);
    }

    @Test
    void authorizeAnswersPublicTokenAndStateAndIsInternal() {
        String key = Api.newTeam();
        JsonPath created = as(key).body("{}").post("/v1/sandboxes").then().statusCode(201).extract().jsonPath();
        String sbx = created.getString("id");
        String token = created.getString("access_token");
        JsonPath other = as(key).body("{}").post("/v1/sandboxes").then().statusCode(201).extract().jsonPath();

        authorize(sbx, 3000, null, null).body("allowed", equalTo(false)).body("listening", equalTo("none"))
                .body("public", equalTo(false));
        authorize(sbx, 3000, token, null).body("allowed", equalTo(true));
        authorize(sbx, 3000, other.getString("access_token"), null).body("allowed", equalTo(false));
        authorize(sbx, 3000, "sat_nope", null).body("allowed", equalTo(false));

        as(key).body(Map.of("port", 3000, "public", true)).post("/v1/sandboxes/" + sbx + "/expose").then().statusCode(200);
        PortsTest.report(sbx, PortsTest.socket(3000, "0.0.0.0", 0), PortsTest.socket(3001, "127.0.0.1", 0));
        authorize(sbx, 3000, null, null).body("allowed", equalTo(true)).body("public", equalTo(true))
                .body("listening", equalTo("any"));
        authorize(sbx, 3001, null, null).body("allowed", equalTo(false)).body("listening", equalTo("loopback"));
        authorize(other.getString("id"), 3000, null, null).body("allowed", equalTo(false));

        as(key).delete("/v1/sandboxes/" + sbx).then().statusCode(204);
        authorize(sbx, 3000, null, null).body("state", equalTo("stopped")).body("listening", equalTo("none"));

        Api.internal().body(Map.of("sandboxId", "sbx_000000000000000000000000", "port", 3000))
                .post("/internal/v1/preview/authorize").then().statusCode(404).body("error.code", equalTo("sandbox_not_found"));
        Api.internal().body(Map.of("sandboxId", "sbx_0", "port", 3000)).post("/internal/v1/preview/authorize").then().statusCode(400);
        Api.internal().body(Map.of("sandboxId", sbx, "port", 0)).post("/internal/v1/preview/authorize").then().statusCode(400);
        Api.internal().body(Map.of("sandboxId", sbx)).post("/internal/v1/preview/authorize").then().statusCode(400);
        RestAssured.given().contentType(ContentType.JSON).body(Map.of("sandboxId", sbx, "port", 3000))
                .post("/internal/v1/preview/authorize").then().statusCode(401);
        as(key).body(Map.of("sandboxId", sbx, "port", 3000)).post("/internal/v1/preview/authorize").then().statusCode(401);
    }

    static io.restassured.response.ValidatableResponse authorize(String sbx, int port, String token, String link) {
        Map<String, Object> body = new HashMap<>();
        body.put("sandboxId", sbx);
        body.put("port", port);
        body.put("accessToken", token);
        body.put("link", link);
        return Api.internal().body(body).post("/internal/v1/preview/authorize").then().statusCode(200);
    }

    static boolean allowed(String sbx, int port, String token) {
        return authorize(sbx, port, token, null).extract().path("allowed");
    }

    @Test
    void nothingIsAllowedWithoutCredentials() {
        String sbx = Api.sandbox(Api.newTeam());
        assertFalse(allowed(sbx, 80, null));
    }
}
