package io.tensorbox.api;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.tensorbox.common.internal.InternalToken;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Map;

import static io.tensorbox.api.Api.admin;
import static io.tensorbox.api.Api.as;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.everyItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@QuarkusTestResource(FakeRuntime.class)
class AuthTest {

    @Inject
    AgroalDataSource db;

    @Test
    void noKeyMalformedKeyWrongSecretAndUnknownKeyAre401() {
        RestAssured.given().get("/v1/sandboxes").then().statusCode(401).body("error.code", equalTo("unauthorized"))
                .body("error.message", equalTo("Send an API key as 'Authorization: Bearer ask_...'."));
        as("not-a-key").get("/v1/sandboxes").then().statusCode(401).body("error.message", matchesPattern(".*ask_.*"))
                .body("error.message", equalTo("The API key is malformed; keys look like ask_<id>_<secret>."));
        as("ask_testadmin_wrongsecretwrongsecret").get("/v1/sandboxes").then().statusCode(401)
                .body("error.code", equalTo("unauthorized")).body("error.message", equalTo("The API key is unknown or revoked."));
        as("ask_nosuchkey_0123456789abcdef0123").get("/v1/sandboxes").then().statusCode(401)
                .body("error.code", equalTo("unauthorized")).body("error.message", equalTo("The API key is unknown or revoked."));
        RestAssured.given().header("Authorization", "Basic abc").get("/v1/sandboxes").then().statusCode(401)
                .body("error.message", equalTo("The Authorization header must be 'Bearer ask_...'."));
        // every route of the public API, not only the ones tried above
        RestAssured.given().get("/v1/sandboxes/sbx_000000000000000000000000/processes/proc_000000000000000000000000/logs")
                .then().statusCode(401).body("error.code", equalTo("unauthorized"));
        RestAssured.given().contentType("application/json").body("{}").post("/v1/teams").then().statusCode(401);
    }

    @Test
    void healthAndOpenApiNeedNoKey() {
        RestAssured.given().get("/q/health/ready").then().statusCode(200);
        RestAssured.given().get("/q/openapi").then().statusCode(200);
    }

    @Test
    void internalRoutesNeedTheServiceTokenNotAKey() {
        String sbx = Api.sandbox(Api.newTeam());
        String process = "{\"id\":\"proc_000000000000000000000000\",\"sandboxId\":\"" + sbx + "\",\"state\":\"exited\"}";
        String sandbox = "{\"id\":\"" + sbx + "\",\"state\":\"running\"}";
        for (String token : new String[] {null, "", "wrong-token-0123456789abcdef0123456789", Api.INTERNAL_TOKEN + "x"}) {
            var spec = token == null ? RestAssured.given() : RestAssured.given().header(InternalToken.HEADER, token);
            spec.contentType("application/json").body(process).post("/internal/v1/events/process").then()
                    .statusCode(401).body("error.code", equalTo("unauthorized"));
            spec.contentType("application/json").body(sandbox).post("/internal/v1/events/sandbox").then()
                    .statusCode(401).body("error.code", equalTo("unauthorized"));
            spec.get("/internal/v1/sandboxes/live").then().statusCode(401).body("error.code", equalTo("unauthorized"));
        }
        admin().get("/internal/v1/sandboxes/live").then().statusCode(401).body("error.code", equalTo("unauthorized"));

        Api.internal().body(process).post("/internal/v1/events/process").then().statusCode(204);
        Api.internal().body(sandbox).post("/internal/v1/events/sandbox").then().statusCode(204);
        Api.internal().get("/internal/v1/sandboxes/live").then().statusCode(200).body("spec.id", hasItem(sbx));
    }

    @Test
    void theServiceTokenIsNoUserOfThePublicApi() {
        Api.internal().get("/v1/sandboxes").then().statusCode(401).body("error.code", equalTo("unauthorized"))
                .body("error.message", matchesPattern(".*ask_.*"));
        Api.internal().body("{}").post("/v1/sandboxes").then().statusCode(401);
        // a key decides who the caller is, whatever else the request carries
        Api.internal().header("Authorization", "Bearer " + FakeRuntime.BOOTSTRAP_KEY).get("/v1/api-keys").then()
                .statusCode(200).body("api_keys.id", hasItem("testadmin"));
    }

    @Test
    void schedulerAndLogServiceAreCalledWithTheServiceToken() {
        String key = Api.newTeam();
        String sbx = Api.sandbox(key);
        String proc = ProcessTest.start(key, sbx, "true");
        FakeRuntime.logs.put(proc, "x\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        as(key).get("/v1/sandboxes/" + sbx + "/processes/" + proc + "/logs").then().statusCode(200);
        as(key).delete("/v1/sandboxes/" + sbx + "/processes/" + proc).then().statusCode(204);
        as(key).delete("/v1/sandboxes/" + sbx).then().statusCode(204);
        assertEquals(0, FakeRuntime.refusedCalls.get(), "calls to the fake scheduler/log-service without the token");
    }

    @Test
    void bootstrapKeyFromConfigIsTheDefaultTeamsAdminAndIsWrittenToTheHomeDir() throws Exception {
        admin().get("/v1/api-keys").then().statusCode(200)
                .body("api_keys.team", hasItem("default"))
                .body("api_keys.id", hasItem("testadmin"));
        Path file = Path.of("target/tensorbox-home/admin-key");
        assertEquals(FakeRuntime.BOOTSTRAP_KEY, Files.readString(file).trim());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    }

    @Test
    void rolesAreOrderedViewerDeveloperAdmin() {
        String teamAdmin = Api.newTeam();
        String viewer = Api.key(teamAdmin, "viewer");
        String developer = Api.key(teamAdmin, "developer");

        as(viewer).body("{}").post("/v1/sandboxes").then().statusCode(403).body("error.code", equalTo("forbidden"))
                .body("error.message", equalTo("This needs the developer role; your key has the viewer role."));
        as(viewer).get("/v1/sandboxes").then().statusCode(200);
        String sandbox = Api.sandbox(developer);
        as(viewer).get("/v1/sandboxes/" + sandbox).then().statusCode(200);
        as(viewer).delete("/v1/sandboxes/" + sandbox).then().statusCode(403);
        as(developer).get("/v1/api-keys").then().statusCode(403)
                .body("error.message", equalTo("This needs the admin role; your key has the developer role."));
        as(developer).body(Map.of("name", "x", "role", "viewer")).post("/v1/api-keys").then().statusCode(403);
        as(teamAdmin).get("/v1/api-keys").then().statusCode(200);
        as(developer).delete("/v1/sandboxes/" + sandbox).then().statusCode(204);
    }

    @Test
    void createdKeyHasTheDocumentedFormatAndOnlyItsHashIsStored() throws Exception {
        String teamAdmin = Api.newTeam();
        var created = as(teamAdmin).body(Map.of("name", "ci", "role", "developer")).post("/v1/api-keys")
                .then().statusCode(201)
                .body("key", matchesPattern("ask_[0-9a-f]{16}_[0-9a-f]{48}"))
                .body("role", equalTo("developer"))
                .body("name", equalTo("ci"))
                .extract().jsonPath();
        String key = created.getString("key");
        String id = created.getString("id");
        assertEquals(key.split("_")[1], id);
        String secret = key.substring(key.lastIndexOf('_') + 1);

        as(teamAdmin).get("/v1/api-keys").then().statusCode(200)
                .body("api_keys.id", hasItem(id))
                .body("api_keys", everyItem(not(hasKey("key"))));

        try (Connection c = db.getConnection();
             PreparedStatement q = c.prepareStatement("SELECT * FROM api_keys WHERE id = ?")) {
            q.setString(1, id);
            ResultSet row = q.executeQuery();
            assertTrue(row.next());
            for (int col = 1; col <= row.getMetaData().getColumnCount(); col++) {
                String value = row.getString(col);
                assertFalse(value != null && value.contains(secret), "column " + row.getMetaData().getColumnName(col) + " holds the secret");
            }
            assertEquals(sha256(secret), row.getString("secret_hash"));
        }
        as(key).get("/v1/sandboxes").then().statusCode(200);
    }

    @Test
    void revokedKeyIsRefusedAtOnce() {
        String teamAdmin = Api.newTeam();
        String developer = Api.key(teamAdmin, "developer");
        String id = developer.split("_")[1];
        as(developer).get("/v1/sandboxes").then().statusCode(200);
        as(teamAdmin).delete("/v1/api-keys/" + id).then().statusCode(204);
        as(developer).get("/v1/sandboxes").then().statusCode(401);
        as(teamAdmin).get("/v1/api-keys").then().body("api_keys.id", not(hasItem(id)));
        as(teamAdmin).delete("/v1/api-keys/" + id).then().statusCode(404);
    }

    @Test
    void adminsCannotTouchAnotherTeamsKeysOrSandboxes() {
        String teamA = Api.newTeam();
        String teamB = Api.newTeam();
        String keyOfA = Api.key(teamA, "viewer");
        as(teamB).delete("/v1/api-keys/" + keyOfA.split("_")[1]).then().statusCode(404);
        as(keyOfA).get("/v1/sandboxes").then().statusCode(200);

        String sandboxOfA = Api.sandbox(teamA);
        as(teamB).get("/v1/sandboxes/" + sandboxOfA).then().statusCode(404).body("error.code", equalTo("sandbox_not_found"));
        as(teamB).delete("/v1/sandboxes/" + sandboxOfA).then().statusCode(404);
        as(teamB).get("/v1/sandboxes/" + sandboxOfA + "/processes").then().statusCode(404);
        as(teamB).body(Map.of("command", new String[] {"true"})).post("/v1/sandboxes/" + sandboxOfA + "/processes")
                .then().statusCode(404);
        as(teamB).get("/v1/sandboxes").then().body("sandboxes.id", not(hasItem(sandboxOfA)));
        as(teamA).get("/v1/sandboxes/" + sandboxOfA).then().statusCode(200);
    }

    @Test
    void onlyAdminsOfTeamDefaultCreateTeams() {
        String other = Api.newTeam();
        as(other).body(Map.of("name", "nope")).post("/v1/teams").then().statusCode(403);
        admin().body(Map.of("name", "Bad Name!")).post("/v1/teams").then().statusCode(400)
                .body("error.message", matchesPattern(".*'name'.*"));
        String name = "dup" + System.nanoTime();
        admin().body(Map.of("name", name)).post("/v1/teams").then().statusCode(201)
                .body("name", equalTo(name)).body("id", matchesPattern("team_[0-9a-f]{24}"))
                .body("admin_key", matchesPattern("ask_.*"));
        admin().body(Map.of("name", name)).post("/v1/teams").then().statusCode(409);
    }

    @Test
    void keyRequestsAreValidated() {
        admin().body(Map.of("name", "x", "role", "root")).post("/v1/api-keys").then().statusCode(400)
                .body("error.message", matchesPattern(".*'role'.*"));
        admin().body(Map.of("role", "viewer")).post("/v1/api-keys").then().statusCode(400)
                .body("error.message", matchesPattern(".*'name'.*"));
        admin().body("{\"name\": 5, \"role\": \"viewer\"}").post("/v1/api-keys").then().statusCode(400)
                .body("error.message", matchesPattern(".*'name'.*"));
    }

    static String sha256(String s) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
}
