package io.tensorbox.scheduler;

import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import io.tensorbox.common.Ids;
import io.tensorbox.common.LiveSandbox;
import io.tensorbox.common.SandboxSpec;
import io.tensorbox.common.SandboxState;
import io.tensorbox.common.internal.InternalToken;
import io.tensorbox.scheduler.process.FakeApiService;

import java.util.Map;

import static org.hamcrest.Matchers.equalTo;

/**
 * Calls to the scheduler's internal routes as a TensorBox service makes them: with the internal
 * token of the test profile. Tests import {@link #given()} in place of RestAssured's.
 */
public final class InternalCalls {

    /** {@code %test.tensorbox.internal-token} of common's shared configuration. */
    public static final String TOKEN = "test-internal-token-0123456789abcdef";

    private InternalCalls() {
    }

    public static RequestSpecification given() {
        return RestAssured.given().header(InternalToken.HEADER, TOKEN);
    }

    /**
     * A new running sandbox of team {@code t1}, template {@code base}: its record in the fake
     * api-service (so the reconcile loop keeps it) and the scheduler's {@code PUT}, as api-service
     * creates one.
     */
    public static String createRunningSandbox(Map<String, String> env) {
        String sandbox = Ids.newSandboxId();
        FakeApiService.LIVE.put(sandbox, new LiveSandbox(new SandboxSpec(sandbox, "t1", "base", env), SandboxState.running));
        given().contentType(ContentType.JSON)
                .body(Map.of("id", sandbox, "team", "t1", "template", "base", "env", env))
                .put("/internal/v1/sandboxes/{id}", sandbox)
                .then().statusCode(200).body("state", equalTo("running"));
        return sandbox;
    }
}
