package io.tensorbox.sdk.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.tensorbox.sdk.AuthenticationException;
import io.tensorbox.sdk.ConflictException;
import io.tensorbox.sdk.ForbiddenException;
import io.tensorbox.sdk.InvalidArgumentException;
import io.tensorbox.sdk.NotFoundException;
import io.tensorbox.sdk.RateLimitException;
import io.tensorbox.sdk.RequestTimeoutException;
import io.tensorbox.sdk.TensorBoxException;
import io.tensorbox.sdk.UnavailableException;
import java.net.http.HttpTimeoutException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ErrorsTest {
    @ParameterizedTest
    @CsvSource({
        "400, InvalidArgumentException", "401, AuthenticationException", "403, ForbiddenException",
        "404, NotFoundException", "409, ConflictException", "429, RateLimitException",
        "503, UnavailableException", "413, TensorBoxException", "500, TensorBoxException"})
    void eachStatusHasItsClassAndKeepsTheServersCodeAndMessage(int status, String type) {
        TensorBoxException e = Errors.fromResponse(status,
                "{\"error\":{\"code\":\"some_code\",\"message\":\"The server's sentence.\"}}");
        assertThat(e.getClass().getSimpleName()).isEqualTo(type);
        assertThat(e.status()).isEqualTo(status);
        assertThat(e.code()).isEqualTo("some_code");
        assertThat(e.getMessage()).isEqualTo("The server's sentence.");
    }

    @Test
    void theClassesAreTheDocumentedOnes() {
        assertThat(Errors.of(400, "c", "m")).isInstanceOf(InvalidArgumentException.class);
        assertThat(Errors.of(401, "c", "m")).isInstanceOf(AuthenticationException.class);
        assertThat(Errors.of(403, "c", "m")).isInstanceOf(ForbiddenException.class);
        assertThat(Errors.of(404, "c", "m")).isInstanceOf(NotFoundException.class);
        assertThat(Errors.of(409, "c", "m")).isInstanceOf(ConflictException.class);
        assertThat(Errors.of(429, "c", "m")).isInstanceOf(RateLimitException.class);
        assertThat(Errors.of(503, "c", "m")).isInstanceOf(UnavailableException.class);
    }

    @Test
    void aBodyThatIsNotTheErrorEnvelopeKeepsTheStatus() {
        TensorBoxException plain = Errors.fromResponse(502, "Bad Gateway");
        assertThat(plain.status()).isEqualTo(502);
        assertThat(plain.code()).isEqualTo("http_502");
        assertThat(plain.getMessage()).isEqualTo("Bad Gateway");

        TensorBoxException empty = Errors.fromResponse(404, "");
        assertThat(empty).isInstanceOf(NotFoundException.class);
        assertThat(empty.code()).isEqualTo("not_found");
        assertThat(empty.getMessage()).isEqualTo("HTTP 404 (not_found)");
    }

    @Test
    void clientSideFailuresAreMapped() {
        RuntimeException timeout = Errors.fromThrowable(new CompletionException(new HttpTimeoutException("t")), "GET x");
        assertThat(timeout).isInstanceOf(RequestTimeoutException.class);
        assertThat(((TensorBoxException) timeout).code()).isEqualTo("request_timeout");

        IllegalArgumentException mine = new IllegalArgumentException("from a callback");
        assertThat(Errors.fromThrowable(new CompletionException(mine), "run")).isSameAs(mine);
    }
}
