package io.tensorbox.api;

import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import io.tensorbox.common.internal.InternalToken;

import java.util.Map;

/** Requests as a client sends them: a key, JSON, and the answers a user would read. */
public final class Api {
    /** {@code %test.tensorbox.internal-token} of common's shared configuration. */
    public static final String INTERNAL_TOKEN = "test-internal-token-0123456789abcdef";
    private static int teams;

    private Api() {
    }

    public static RequestSpecification as(String key) {
        return RestAssured.given().header("Authorization", "Bearer " + key).contentType(ContentType.JSON);
    }

    /** A call from another TensorBox service: the internal token, JSON. */
    public static RequestSpecification internal() {
        return RestAssured.given().header(InternalToken.HEADER, INTERNAL_TOKEN).contentType(ContentType.JSON);
    }

    public static RequestSpecification admin() {
        return as(FakeRuntime.BOOTSTRAP_KEY);
    }

    /** A new team; returns its admin key. Gives each test a store of its own. */
    public static synchronized String newTeam() {
        return admin().body(Map.of("name", "t" + System.nanoTime() + "-" + (teams++)))
                .post("/v1/teams").then().statusCode(201).extract().path("admin_key");
    }

    public static String key(String adminKey, String role) {
        return as(adminKey).body(Map.of("name", role + " key", "role", role))
                .post("/v1/api-keys").then().statusCode(201).extract().path("key");
    }

    /** A running sandbox (the fake scheduler answers running by default). */
    public static String sandbox(String key) {
        return as(key).body("{}").post("/v1/sandboxes").then().statusCode(201).extract().path("id");
    }
}
