package io.tensorbox.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
class OpenApiTest {

    @Test
    void documentsOnlyThePublicApiWithItsBearerKeyAndErrorShape() throws Exception {
        String text = RestAssured.given().get("/q/openapi?format=json").then().statusCode(200).extract().asString();
        JsonNode doc = new ObjectMapper().readTree(text);

        List<String> paths = new ArrayList<>();
        doc.path("paths").fieldNames().forEachRemaining(paths::add);
        assertTrue(paths.contains("/v1/sandboxes"), paths.toString());
        assertTrue(paths.contains("/v1/sandboxes/{sbx}/processes/{proc}/logs"), paths.toString());
        assertTrue(paths.stream().allMatch(p -> p.startsWith("/v1/")), paths.toString());
        assertFalse(text.contains("/internal"), "the document names an internal route");
        for (String internalType : List.of("LiveSandbox", "SandboxStatus", "ProcessStatus", "SandboxSpec")) {
            assertTrue(doc.path("components").path("schemas").path(internalType).isMissingNode(), internalType);
        }

        // the log is plain text, not a framework type
        assertEquals("string", doc.at("/paths/~1v1~1sandboxes~1{sbx}~1processes~1{proc}~1logs/get/responses/200/content/text~1plain/schema/type").asText());
        for (String frameworkType : List.of("Buffer", "ByteBuf")) {
            assertTrue(doc.path("components").path("schemas").path(frameworkType).isMissingNode(), frameworkType);
        }

        JsonNode scheme = doc.path("components").path("securitySchemes").path("apiKey");
        assertEquals("http", scheme.path("type").asText());
        assertEquals("bearer", scheme.path("scheme").asText());
        JsonNode error = doc.path("components").path("schemas").path("Error").path("properties").path("error");
        assertEquals("string", error.path("properties").path("code").path("type").asText());
        assertEquals("string", error.path("properties").path("message").path("type").asText());

        int operations = 0;
        for (String path : paths) {
            for (var methods = doc.path("paths").path(path).fields(); methods.hasNext(); ) {
                var method = methods.next();
                JsonNode op = method.getValue();
                if (!op.has("responses")) {
                    continue; // "parameters" of the path item
                }
                operations++;
                String where = method.getKey() + " " + path;
                assertTrue(op.path("security").toString().contains("\"apiKey\""), where + ": " + op.path("security"));
                for (String status : List.of("401", "403")) {
                    assertEquals("#/components/schemas/Error", op.path("responses").path(status).path("content")
                            .path("application/json").path("schema").path("$ref").asText(), where + " " + status);
                }
            }
        }
        assertTrue(operations >= 10, "operations documented: " + operations);
        JsonNode create = doc.path("paths").path("/v1/sandboxes").path("post").path("responses");
        assertEquals("#/components/schemas/Error",
                create.path("400").path("content").path("application/json").path("schema").path("$ref").asText());
    }
}
