package io.tensorbox.api.ports;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.tensorbox.api.Api;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.tensorbox.api.Api.as;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** SPEC §6 ports: the scheduler's reports reconciled with events, the list, expose, access. */
@QuarkusTest
class PortsTest {

    @Inject
    EntityManager em;

    @Test
    void reportsAreReconciledWithOneEventPerChange() {
        String key = Api.newTeam();
        String sbx = Api.sandbox(key);
        String proc = as(key).body(Map.of("command", List.of("python3", "-m", "http.server")))
                .post("/v1/sandboxes/" + sbx + "/processes").then().statusCode(201).extract().path("id");

        report(sbx, socket(3000, "0.0.0.0", 4242), socket(3000, "::", 4242), socket(5173, "127.0.0.1", 0));
        List<Map<String, Object>> events = portEvents(sbx);
        assertEquals(2, events.size(), events.toString());
        assertEquals(Map.of("type", "port.opened", "port", 3000, "address", "0.0.0.0", "reachable", true,
                "process_id", proc), events.get(0));
        Map<String, Object> loopback = new HashMap<>(Map.of("type", "port.opened", "port", 5173,
                "address", "127.0.0.1", "reachable", false));
        loopback.put("process_id", null);
        assertEquals(loopback, events.get(1));

        report(sbx, socket(3000, "::", 4242), socket(3000, "0.0.0.0", 4242), socket(5173, "127.0.0.1", 0));
        assertEquals(2, portEvents(sbx).size(), "a repeated report changes nothing");

        // 3000 now also on the loopback: still reachable, no event; 5173 closed
        report(sbx, socket(3000, "127.0.0.1", 4242), socket(3000, "0.0.0.0", 4242));
        events = portEvents(sbx);
        assertEquals(3, events.size(), events.toString());
        assertEquals(Map.of("type", "port.closed", "port", 5173), events.get(2));
        as(key).get("/v1/sandboxes/" + sbx + "/ports").then().statusCode(200)
                .body("ports.size()", equalTo(1))
                .body("ports[0].port", equalTo(3000))
                .body("ports[0].url", equalTo("http://3000-" + sbx.replace('_', '-') + ".localhost:8082/"))
                .body("ports[0].reachable", equalTo(true))
                .body("ports[0].reason", nullValue())
                .body("ports[0].exposed", equalTo(false))
                .body("ports[0].public", equalTo(false))
                .body("ports[0].process_id", equalTo(proc));

        // rebound on the loopback only: closed, then opened unreachable
        report(sbx, socket(3000, "::1", 4242));
        events = portEvents(sbx);
        assertEquals(5, events.size(), events.toString());
        assertEquals("port.closed", events.get(3).get("type"));
        assertEquals(false, events.get(4).get("reachable"));
        as(key).get("/v1/sandboxes/" + sbx + "/ports").then()
                .body("ports[0].reachable", equalTo(false))
                .body("ports[0].reason", equalTo("listening on ::1 only"));

        report(sbx);
        events = portEvents(sbx);
        assertEquals(Map.of("type", "port.closed", "port", 3000), events.get(5));
        as(key).get("/v1/sandboxes/" + sbx + "/ports").then().body("ports.size()", equalTo(0));
    }

    @Test
    void malformedReportsAre400AndUnknownSandboxesChangeNothing() {
        String sbx = Api.sandbox(Api.newTeam());
        for (Object bad : List.of(
                Map.of("sandboxId", "sbx_nope", "ports", List.of()),
                Map.of("sandboxId", sbx),
                Map.of("sandboxId", sbx, "ports", List.of(socket(0, "0.0.0.0", 1))),
                Map.of("sandboxId", sbx, "ports", List.of(socket(65536, "0.0.0.0", 1))),
                Map.of("sandboxId", sbx, "ports", List.of(socket(80, "localhost", 1))),
                Map.of("sandboxId", sbx, "ports", List.of(socket(80, "1:2:3", 1))),
                Map.of("sandboxId", sbx, "ports", List.of(socket(80, "0.0.0.0", -1))),
                Map.of("sandboxId", sbx, "ports", List.of(Map.of("port", "80", "address", "0.0.0.0", "pid", 1))))) {
            Api.internal().body(bad).post("/internal/v1/events/ports").then().statusCode(400)
                    .body("error.code", equalTo("invalid_request"));
        }
        Api.internal().body("{\"sandboxId\":").post("/internal/v1/events/ports").then().statusCode(400);
        Api.internal().body(Map.of("sandboxId", "sbx_000000000000000000000000", "ports", List.of(socket(80, "0.0.0.0", 1))))
                .post("/internal/v1/events/ports").then().statusCode(204);
        RestAssured.given().contentType(ContentType.JSON).body(Map.of("sandboxId", sbx, "ports", List.of()))
                .post("/internal/v1/events/ports").then().statusCode(401);
        assertEquals(0, portEvents(sbx).size());
    }

    @Test
    void exposedPortsAreListedBeforeAnythingListensAndAccessIsTheSandboxes() {
        String admin = Api.newTeam();
        String viewer = Api.key(admin, "viewer");
        JsonPath created = as(admin).body("{}").post("/v1/sandboxes").then().statusCode(201).extract().jsonPath();
        String sbx = created.getString("id");
        String token = created.getString("access_token");
        JsonPath other = as(admin).body("{}").post("/v1/sandboxes").then().statusCode(201).extract().jsonPath();

        as(admin).body(Map.of("port", 8080)).post("/v1/sandboxes/" + sbx + "/expose").then().statusCode(200)
                .body("port", equalTo(8080))
                .body("url", equalTo("http://8080-" + sbx.replace('_', '-') + ".localhost:8082/"));
        RestAssured.given().header("X-Access-Token", token).contentType(ContentType.JSON)
                .body(Map.of("port", 9000, "public", true)).post("/v1/sandboxes/" + sbx + "/expose").then().statusCode(200);
        report(sbx, socket(3000, "127.0.0.1", 0));

        JsonPath ports = as(viewer).get("/v1/sandboxes/" + sbx + "/ports").then().statusCode(200).extract().jsonPath();
        assertEquals(List.of(3000, 8080, 9000), ports.getList("ports.port"));
        assertEquals(Set.of("port", "url", "reachable", "reason", "exposed", "public", "process_id"),
                ports.getMap("ports[1]").keySet());
        assertEquals("listening on 127.0.0.1 only", ports.getString("ports[0].reason"));
        assertEquals(false, ports.getBoolean("ports[1].reachable"));
        assertEquals("nothing is listening on this port", ports.getString("ports[1].reason"));
        assertEquals(true, ports.getBoolean("ports[1].exposed"));
        assertEquals(false, ports.getBoolean("ports[1].public"));
        assertEquals(true, ports.getBoolean("ports[2].public"));

        // exposing again updates public; a listener on an exposed port opens it and its close keeps it listed
        as(admin).body(Map.of("port", 9000, "public", false)).post("/v1/sandboxes/" + sbx + "/expose").then().statusCode(200);
        report(sbx, socket(8080, "0.0.0.0", 0));
        report(sbx);
        as(admin).get("/v1/sandboxes/" + sbx + "/ports").then()
                .body("ports.port", equalTo(List.of(8080, 9000)))
                .body("ports[1].public", equalTo(false))
                .body("ports[0].reason", equalTo("nothing is listening on this port"));
        List<Map<String, Object>> events = portEvents(sbx);
        assertEquals(List.of("port.opened", "port.closed", "port.opened", "port.closed"),
                events.stream().map(e -> e.get("type")).toList());

        RestAssured.given().header("X-Access-Token", token).get("/v1/sandboxes/" + sbx + "/ports").then().statusCode(200);
        RestAssured.given().header("X-Access-Token", other.getString("access_token"))
                .get("/v1/sandboxes/" + sbx + "/ports").then().statusCode(404);
        as(Api.newTeam()).get("/v1/sandboxes/" + sbx + "/ports").then().statusCode(404)
                .body("error.code", equalTo("sandbox_not_found"));
        as(viewer).body(Map.of("port", 8080)).post("/v1/sandboxes/" + sbx + "/expose").then().statusCode(403);

        for (Object bad : List.of(Map.of("port", 0), Map.of("port", 65536), Map.of("public", true),
                Map.of("port", "80"), Map.of("port", 80, "public", "yes"))) {
            as(admin).body(bad).post("/v1/sandboxes/" + sbx + "/expose").then().statusCode(400);
        }
        as(admin).delete("/v1/sandboxes/" + sbx).then().statusCode(204);
        as(admin).body(Map.of("port", 8080)).post("/v1/sandboxes/" + sbx + "/expose").then().statusCode(409)
                .body("error.code", equalTo("sandbox_not_running"));
        as(admin).get("/v1/sandboxes/" + sbx + "/ports").then()
                .body("ports[0].reason", equalTo("the sandbox is not running"));
    }

    @Test
    void aStoppingSandboxClosesItsPorts() {
        String key = Api.newTeam();
        String sbx = Api.sandbox(key);
        report(sbx, socket(3000, "0.0.0.0", 0));
        as(key).delete("/v1/sandboxes/" + sbx).then().statusCode(204);
        assertEquals(List.of("port.opened", "port.closed"), portEvents(sbx).stream().map(e -> e.get("type")).toList());
        as(key).get("/v1/sandboxes/" + sbx + "/ports").then().body("ports.size()", equalTo(0));
        report(sbx, socket(3000, "0.0.0.0", 0));
        assertEquals(2, portEvents(sbx).size(), "a stopped sandbox's reports change nothing");
    }

    static Map<String, Object> socket(int port, String address, int pid) {
        return Map.of("port", port, "address", address, "pid", pid);
    }

    @SafeVarargs
    static void report(String sbx, Map<String, Object>... sockets) {
        Api.internal().body(Map.of("sandboxId", sbx, "ports", List.of(sockets)))
                .post("/internal/v1/events/ports").then().statusCode(204);
    }

    /** The port events of the sandbox, in order: type and data fields. */
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> portEvents(String sbx) {
        List<Object[]> rows = QuarkusTransaction.requiringNew().call(() -> em.createNativeQuery(
                        "SELECT type, data FROM events WHERE sandbox_id = ?1 AND type LIKE 'port.%' ORDER BY seq")
                .setParameter(1, sbx).getResultList());
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object[] row : rows) {
            Map<String, Object> e = new HashMap<>(JsonPath.from((String) row[1]).getMap(""));
            e.put("type", row[0]);
            out.add(e);
        }
        return out;
    }
}
