package io.tensorbox.api.e2b;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.tensorbox.api.Api;
import io.tensorbox.api.FakeRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.tensorbox.api.Api.as;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** E2B's control plane and envd routing as E2B's SDKs call them (issue 12), against the fake scheduler. */
@QuarkusTest
class E2bControlTest {

    @AfterEach
    void schedulerUp() {
        FakeRuntime.sandboxState = "running";
    }

    private static RequestSpecification e2b(String key) {
        return RestAssured.given().header("X-API-KEY", key).contentType(ContentType.JSON);
    }

    /** An {@code e2b_<hex>} key of a new team with this role. */
    private static String e2bKey(String adminKey, String role) {
        return as(adminKey).body(Map.of("name", "e2b " + role, "role", role, "format", "e2b"))
                .post("/v1/api-keys").then().statusCode(201)
                .body("key", matchesPattern("e2b_[0-9a-f]{64}")).extract().path("key");
    }

    @Test
    void e2bKeysAreIssuedOnRequestAndWorkEverywhereAKeyDoes() {
        String admin = Api.newTeam();
        String key = e2bKey(admin, "developer");
        // the same key as Bearer on the native API, and in X-API-KEY on E2B's
        RestAssured.given().header("Authorization", "Bearer " + key).get("/v1/sandboxes").then().statusCode(200);
        e2b(key).get("/v2/sandboxes").then().statusCode(200);
        as(admin).body(Map.of("name", "x", "role", "viewer", "format", "pem")).post("/v1/api-keys").then()
                .statusCode(400).body("error.message", containsString("'format'"));
        // revoked: refused at once
        String id = as(admin).get("/v1/api-keys").then().extract().jsonPath()
                .<Map<String, Object>>getList("api_keys").stream().filter(k -> "e2b developer".equals(k.get("name")))
                .findFirst().orElseThrow().get("id").toString();
        as(admin).delete("/v1/api-keys/" + id).then().statusCode(204);
        e2b(key).get("/v2/sandboxes").then().statusCode(401).body("code", equalTo(401));
        // a wrong secret in E2B's spelling is unknown, not malformed
        e2b("e2b_" + key.substring(4, 20) + "0".repeat(48)).get("/v2/sandboxes").then().statusCode(401)
                .body("code", equalTo(401));
    }

    @Test
    void createAnswersWhatTheSdkReadsWithADefaultTimeoutOf300s() {
        String key = e2bKey(Api.newTeam(), "developer");
        long before = Instant.now().getEpochSecond();
        for (String route : List.of("/v2/sandboxes", "/sandboxes")) {
            JsonPath created = e2b(key).body(Map.of("templateID", "base", "metadata", Map.of("owner", "ci"),
                            "envVars", Map.of("FOO", "bar"), "secure", true, "autoPause", false))
                    .post(route).then().statusCode(201).extract().jsonPath();
            String id = created.getString("sandboxID");
            assertTrue(id.matches("sbx_[0-9a-f]{24}"), id);
            assertEquals("base", created.getString("templateID"));
            assertEquals(E2bViews.ENVD_VERSION, created.getString("envdVersion"));
            assertTrue(created.getString("envdAccessToken").matches("sat_[0-9a-f]{48}"));
            assertEquals("localhost", created.getString("domain"));
            assertTrue(created.getMap("").keySet().containsAll(Set.of("clientID", "trafficAccessToken")));

            JsonPath info = e2b(key).get("/sandboxes/" + id).then().statusCode(200).extract().jsonPath();
            assertEquals("running", info.getString("state"));
            assertEquals("ci", info.getString("metadata.owner"));
            long end = Instant.parse(info.getString("endAt")).getEpochSecond();
            assertTrue(end >= before + 300 && end <= Instant.now().getEpochSecond() + 300, "default timeout 300 s");
            var spec = FakeRuntime.sandboxSpecs.stream().filter(s -> s.path("id").asText().equals(id)).findFirst().orElseThrow();
            assertEquals("bar", spec.path("env").path("FOO").asText());
        }
        // no body at all is every default
        e2b(key).post("/v2/sandboxes").then().statusCode(201).body("templateID", equalTo("base"));
    }

    @Test
    void timeoutConnectAndKillFollowE2bsSemantics() {
        String key = e2bKey(Api.newTeam(), "developer");
        JsonPath created = e2b(key).body(Map.of("timeout", 60)).post("/v2/sandboxes").then().statusCode(201).extract().jsonPath();
        String id = created.getString("sandboxID");

        e2b(key).body(Map.of("timeout", 1000)).post("/sandboxes/" + id + "/timeout").then().statusCode(204);
        long end = Instant.parse(e2b(key).get("/sandboxes/" + id).then().extract().<String>path("endAt")).getEpochSecond();
        assertTrue(end >= Instant.now().getEpochSecond() + 990, "timeout sets the end");

        // connect, with or without a timeout, gives the same token again and never shortens the life
        for (String route : List.of("/v2/sandboxes/" + id + "/connect", "/sandboxes/" + id + "/connect")) {
            e2b(key).body(Map.of("timeout", 10)).post(route).then().statusCode(200)
                    .body("sandboxID", equalTo(id))
                    .body("envdAccessToken", equalTo(created.getString("envdAccessToken")))
                    .body("envdVersion", equalTo(E2bViews.ENVD_VERSION));
            e2b(key).post(route).then().statusCode(200).body("sandboxID", equalTo(id));
        }
        long after = Instant.parse(e2b(key).get("/sandboxes/" + id).then().extract().<String>path("endAt")).getEpochSecond();
        assertEquals(end, after);

        e2b(key).delete("/sandboxes/" + id).then().statusCode(204);
        e2b(key).get("/sandboxes/" + id).then().statusCode(404).body("code", equalTo(404));
        e2b(key).delete("/sandboxes/" + id).then().statusCode(404).body("code", equalTo(404));
        e2b(key).post("/v2/sandboxes/" + id + "/connect").then().statusCode(404);
        e2b(key).body(Map.of("timeout", 10)).post("/sandboxes/" + id + "/timeout").then().statusCode(404);
    }

    @Test
    void theListFiltersByMetadataAndStateAndPagesWithXNextToken() {
        String key = e2bKey(Api.newTeam(), "developer");
        List<String> tagged = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            tagged.add(e2b(key).body(Map.of("metadata", Map.of("suite", "paging x", "n", "" + i))).post("/v2/sandboxes")
                    .then().statusCode(201).extract().path("sandboxID"));
        }
        String other = e2b(key).body(Map.of("metadata", Map.of("suite", "other"))).post("/v2/sandboxes")
                .then().statusCode(201).extract().path("sandboxID");
        String killed = e2b(key).body(Map.of("metadata", Map.of("suite", "paging x"))).post("/v2/sandboxes")
                .then().statusCode(201).extract().path("sandboxID");
        e2b(key).delete("/sandboxes/" + killed).then().statusCode(204);

        // as the SDK sends it: k=v pairs, encoded, then encoded again as a query value
        List<String> seen = new ArrayList<>();
        String next = null;
        int pages = 0;
        do {
            RequestSpecification request = e2b(key).urlEncodingEnabled(false).queryParam("metadata", "suite%3Dpaging%252520x")
                    .queryParam("state", "running,paused").queryParam("limit", 2);
            if (next != null) {
                request.queryParam("nextToken", next);
            }
            Response page = request.get("/v2/sandboxes").then().statusCode(200).extract().response();
            seen.addAll(page.jsonPath().getList("sandboxID"));
            next = page.header("x-next-token");
            pages++;
        } while (next != null && pages < 10);
        // sorted by creation (ties by id): each sandbox once
        assertEquals(5, seen.size(), seen.toString());
        assertEquals(Set.copyOf(tagged), Set.copyOf(seen));
        assertEquals(3, pages);

        List<String> all = e2b(key).get("/v2/sandboxes").then().statusCode(200).extract().jsonPath().getList("sandboxID");
        assertEquals(6, all.size());
        assertTrue(all.contains(other));
        assertEquals(List.of(), e2b(key).queryParam("state", "paused").get("/v2/sandboxes").then().statusCode(200)
                .extract().jsonPath().getList("sandboxID"));
        assertEquals(6, e2b(key).get("/sandboxes").then().statusCode(200).extract().jsonPath().getList("sandboxID").size());
        e2b(key).queryParam("state", "stopped").get("/v2/sandboxes").then().statusCode(400).body("code", equalTo(400));
        e2b(key).queryParam("limit", 0).get("/v2/sandboxes").then().statusCode(400).body("code", equalTo(400));
        e2b(key).queryParam("nextToken", "garbage!").get("/v2/sandboxes").then().statusCode(400).body("code", equalTo(400));
    }

    @Test
    void errorsAreE2bsShapeWithTheNativeRolesAndTeams() {
        String admin = Api.newTeam();
        String developer = e2bKey(admin, "developer");
        String viewer = e2bKey(admin, "viewer");
        String id = e2b(developer).post("/v2/sandboxes").then().statusCode(201).extract().path("sandboxID");

        RestAssured.given().contentType(ContentType.JSON).post("/v2/sandboxes").then().statusCode(401)
                .contentType(ContentType.JSON).body("code", equalTo(401)).body("message", containsString("X-API-KEY"));
        e2b("e2b_nothex").get("/v2/sandboxes").then().statusCode(401).body("code", equalTo(401));
        e2b(viewer).post("/v2/sandboxes").then().statusCode(403).body("code", equalTo(403))
                .body("message", containsString("developer"));
        e2b(viewer).get("/sandboxes/" + id).then().statusCode(200);
        e2b(viewer).delete("/sandboxes/" + id).then().statusCode(403).body("code", equalTo(403));

        String stranger = e2bKey(Api.newTeam(), "admin");
        e2b(stranger).get("/sandboxes/" + id).then().statusCode(404).body("code", equalTo(404));
        e2b(stranger).delete("/sandboxes/" + id).then().statusCode(404).body("code", equalTo(404));
        e2b(stranger).post("/v2/sandboxes/" + id + "/connect").then().statusCode(404);
        assertTrue(e2b(stranger).get("/v2/sandboxes").then().statusCode(200).extract().jsonPath().getList("").isEmpty());

        e2b(developer).body("{\"templateID\":").post("/v2/sandboxes").then().statusCode(400).body("code", equalTo(400));
        e2b(developer).body("[]").post("/v2/sandboxes").then().statusCode(400).body("code", equalTo(400));
        e2b(developer).body(Map.of("timeout", "long")).post("/v2/sandboxes").then().statusCode(400)
                .body("message", containsString("'timeout'"));
        e2b(developer).body(Map.of("envVars", Map.of("1BAD", "x"))).post("/v2/sandboxes").then().statusCode(400)
                .body("message", containsString("envVars"));
        e2b(developer).body(Map.of("autoPause", true)).post("/v2/sandboxes").then().statusCode(400)
                .body("message", containsString("autoPause"));
        e2b(developer).body(Map.of("allow_internet_access", false)).post("/v2/sandboxes").then().statusCode(400);
        e2b(developer).body(Map.of("templateID", "nope")).post("/v2/sandboxes").then().statusCode(404)
                .body("code", equalTo(404)).body("message", containsString("nope"));
        e2b(developer).body(Map.of()).post("/sandboxes/" + id + "/timeout").then().statusCode(400).body("code", equalTo(400));
    }

    @Test
    void envdCallsAtTheRootReachTheSandboxNamedByTheHeader() {
        String key = e2bKey(Api.newTeam(), "developer");
        JsonPath created = e2b(key).post("/v2/sandboxes").then().statusCode(201).extract().jsonPath();
        String id = created.getString("sandboxID");
        String token = created.getString("envdAccessToken");
        JsonPath second = e2b(key).post("/v2/sandboxes").then().statusCode(201).extract().jsonPath();
        String basicUser = "Basic " + Base64.getEncoder().encodeToString("user:".getBytes(StandardCharsets.UTF_8));

        RestAssured.given().header("E2b-Sandbox-Id", id).header("X-Access-Token", token).get("/health")
                .then().statusCode(204);
        // another sandbox's token, or none: 502 as E2B's proxy, for all alike
        RestAssured.given().header("E2b-Sandbox-Id", id).header("X-Access-Token", second.getString("envdAccessToken"))
                .get("/health").then().statusCode(502);
        RestAssured.given().header("E2b-Sandbox-Id", id).get("/health").then().statusCode(502);
        RestAssured.given().header("E2b-Sandbox-Id", "../../v1/api-keys").get("/health").then().statusCode(404)
                .body("code", equalTo(404));
        // without the header the root is not envd's
        RestAssured.given().header("X-Access-Token", token).get("/health").then().statusCode(404);

        // process.Process with the token and the Basic user E2B's SDK adds
        RestAssured.given().header("E2b-Sandbox-Id", id).header("X-Access-Token", token).header("Authorization", basicUser)
                .contentType("application/json").body("{}").post("/process.Process/List")
                .then().statusCode(200).body("processes", equalTo(List.of()));
        RestAssured.given().header("E2b-Sandbox-Id", second.getString("sandboxID")).header("X-Access-Token", token)
                .contentType("application/json").body("{}").post("/process.Process/List")
                .then().statusCode(404).body("code", equalTo("not_found"));

        // Update resizes a PTY in envd; our processes have none
        as(key).body(Map.of("cmd", "sleep", "args", List.of())).post("/v1/sandboxes/" + id + "/commands").then().statusCode(201);
        RestAssured.given().header("E2b-Sandbox-Id", id).header("X-Access-Token", token).contentType("application/json")
                .body("{\"process\":{\"pid\":4242},\"pty\":{\"size\":{\"cols\":80,\"rows\":24}}}")
                .post("/process.Process/Update").then().statusCode(400).body("code", equalTo("failed_precondition"));
        RestAssured.given().header("E2b-Sandbox-Id", id).header("X-Access-Token", token).contentType("application/json")
                .body("{\"process\":{\"pid\":77}}").post("/process.Process/Update").then().statusCode(404)
                .body("code", equalTo("not_found"));

        // what TensorBox cannot do is said, in E2B's shape
        e2b(key).post("/sandboxes/" + id + "/pause").then().statusCode(501).body("code", equalTo(501))
                .body("message", containsString("pause"));
        e2b(key).get("/sandboxes/" + id + "/metrics").then().statusCode(501).body("code", equalTo(501));

        e2b(key).delete("/sandboxes/" + id).then().statusCode(204);
        RestAssured.given().header("E2b-Sandbox-Id", id).header("X-Access-Token", token).get("/health")
                .then().statusCode(502);
    }
}
