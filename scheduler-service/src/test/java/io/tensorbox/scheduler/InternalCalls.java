package io.tensorbox.scheduler;

import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;
import io.tensorbox.common.internal.InternalToken;

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
}
