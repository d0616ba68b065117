package io.tensorbox.logs;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.tensorbox.common.internal.InternalToken;
import io.tensorbox.logs.logs.FakeScheduler;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.emptyOrNullString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** log-service's internal routes are for TensorBox services only, and it proves itself to the scheduler. */
@QuarkusTest
@QuarkusTestResource(FakeScheduler.class)
class InternalTokenTest {

    private static final String LOGS = "/internal/v1/sandboxes/sbx_0123456789abcdef01234567/processes/proc_0123456789abcdef01234567/logs";

    @Test
    void aCallWithoutTheTokenIs401AndNothingReachesTheScheduler() {
        int before = FakeScheduler.REQUESTS.get();

        given().when().get(LOGS + "?follow=true")
                .then().statusCode(401)
                .contentType("application/json")
                .body("error.code", equalTo("unauthorized"))
                .body("error.message", not(emptyOrNullString()));

        assertEquals(before, FakeScheduler.REQUESTS.get(), "the scheduler was called for a refused request");
    }

    @Test
    void aCallWithAWrongTokenIs401AndNothingReachesTheScheduler() {
        int before = FakeScheduler.REQUESTS.get();

        given().header(InternalToken.HEADER, FakeScheduler.TOKEN + "x").when().get(LOGS)
                .then().statusCode(401)
                .contentType("application/json")
                .body("error.code", equalTo("unauthorized"));
        given().header(InternalToken.HEADER, "").when().get(LOGS)
                .then().statusCode(401)
                .body("error.code", equalTo("unauthorized"));

        assertEquals(before, FakeScheduler.REQUESTS.get(), "the scheduler was called for a refused request");
    }

    @Test
    void withTheTokenTheCallGoesThroughAndLogServiceShowsItsOwnTokenToTheScheduler() {
        int before = FakeScheduler.REQUESTS.get();
        int refusedBefore = FakeScheduler.REFUSED.get();

        // an unknown sandbox: the scheduler answered the layout lookup with 404, so it accepted the token
        given().header(InternalToken.HEADER, FakeScheduler.TOKEN).when()
                .get("/internal/v1/sandboxes/sbx_ffffffffffffffffffffffff/processes/proc_0123456789abcdef01234567/logs")
                .then().statusCode(404)
                .body("error.code", equalTo("sandbox_not_found"));

        assertTrue(FakeScheduler.REQUESTS.get() > before, "the scheduler was asked");
        assertEquals(refusedBefore, FakeScheduler.REFUSED.get(), "log-service called the scheduler without its token");
    }

    @Test
    void healthStaysOpenWithoutAToken() {
        given().when().get("/q/health/ready").then().statusCode(200);
    }
}
