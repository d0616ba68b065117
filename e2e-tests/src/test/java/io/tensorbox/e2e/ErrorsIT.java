package io.tensorbox.e2e;

import static io.tensorbox.e2e.Api.as;
import static io.tensorbox.e2e.Api.assertJsonError;
import static io.tensorbox.e2e.Api.developer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.http.Method;
import io.restassured.response.Response;

/** SPEC §2: every error is JSON with the right 4xx; nothing a user sends causes a 500. */
@TensorBoxTest
class ErrorsIT {

    @Test
    void unknownRoutesAreJson404() {
        for (String path : List.of("/v1/nothing-here", "/v3/sandboxes", "/v1/sandboxes/x/y/z/w", "/")) {
            assertJsonError(as(Api.viewer()).get(path), 404);
        }
    }

    @Test
    void wrongMethodsAreJsonErrors() {
        String sandbox = Api.newSandbox();
        assertJsonError(as(developer()).put("/v1/sandboxes"), 405);
        assertJsonError(as(developer()).patch("/v1/sandboxes/{id}", sandbox), 405);
        // Routes of a resource class nested under another class's path: when no method matches,
        // Quarkus REST falls back to the outer class and answers 404 (a JSON one) instead of 405.
        assertJsonError(as(developer()).put("/v1/sandboxes/{id}/processes", sandbox), 405, 404);
        assertJsonError(as(developer()).delete("/v1/sandboxes/{id}/processes", sandbox), 405, 404);
        assertJsonError(as(developer()).post("/v1/sandboxes/{id}/processes/{p}/logs", sandbox,
                "proc_000000000000000000000000"), 405, 404);
    }

    @Test
    void unsupportedMediaTypesAreRefusedAsJson() {
        assertJsonError(as(developer()).contentType(ContentType.XML).body("<sandbox/>").post("/v1/sandboxes"), 400, 415);
        assertJsonError(as(Api.admin()).contentType(ContentType.TEXT).body("name=x").post("/v1/api-keys"), 400, 415);
    }

    @Test
    void nothingAUserSendsIsA500() {
        String sandbox = Api.newSandbox();
        String[] bodies = {"{", "null", "[]", "42", "\"x\"", "{\"command\":{}}", "{\"timeout_seconds\":1e400}",
                "{\"metadata\":{\"k\":{\"deep\":[1,2]}}}", "{\"template\":null}", "\u0000\u0001"};
        String[] paths = {"/v1/sandboxes", "/v1/sandboxes/" + sandbox + "/processes",
                "/v1/sandboxes/" + sandbox + "/timeout", "/v1/api-keys", "/v1/teams"};
        for (String path : paths) {
            for (String body : bodies) {
                Response r = as(Api.admin()).contentType(ContentType.JSON).body(body).post(path);
                assertTrue(r.statusCode() < 500, () -> "POST " + path + " " + body + " answered " + r.statusCode()
                        + ": " + r.asString());
                if (r.statusCode() >= 400) {
                    assertJsonError(r, r.statusCode());
                } else if (path.equals("/v1/sandboxes") && r.statusCode() == 201) {
                    Sandboxes.track(Api.admin(), r.jsonPath().getString("id"));
                }
            }
        }
        for (String odd : List.of("/v1/sandboxes/%00", "/v1/sandboxes/..%2F..%2Fetc",
                "/v1/sandboxes/" + sandbox + "/processes/%2e%2e", "/v1/sandboxes?state=%ff")) {
            Response r = as(Api.admin()).urlEncodingEnabled(false).request(Method.GET, odd);
            assertTrue(r.statusCode() < 500, () -> "GET " + odd + " answered " + r.statusCode() + ": " + r.asString());
        }
    }

    @Test
    void anOversizedBodyIsJson413() throws Exception {
        String sandbox = Api.newSandbox();
        String huge = "{\"command\":[\"echo\",\"" + "x".repeat(12 * 1024 * 1024) + "\"]}";
        // Expect: 100-continue lets the server refuse before the body is sent, as a real client would.
        HttpResponse<String> r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(HttpRequest.newBuilder(
                        URI.create(Api.cluster().apiUrl() + "/v1/sandboxes/" + sandbox + "/processes"))
                .header("Authorization", "Bearer " + developer())
                .header("Content-Type", "application/json")
                .expectContinue(true)
                .POST(HttpRequest.BodyPublishers.ofString(huge))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(413, r.statusCode(), r::body);
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"),
                () -> "413 without a JSON error: " + r.headers().map() + " " + r.body());
        assertTrue(r.body().contains("\"error\""), r::body);
        assertTrue(Api.processes(Api.viewer(), sandbox).isEmpty(), "nothing was started");
    }

    @Test
    void everyServiceHasHealthMetricsAndOpenApi() {
        for (Service service : Service.values()) {
            String base = Api.cluster().url(service);
            for (String path : List.of("/q/health/live", "/q/health/ready", "/q/metrics", "/q/openapi")) {
                int status = RestAssured.given().baseUri(base).get(path).statusCode();
                assertTrue(status == 200, () -> service + " " + path + " answered " + status);
            }
        }
    }
}
