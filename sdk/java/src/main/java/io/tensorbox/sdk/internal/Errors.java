package io.tensorbox.sdk.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.tensorbox.sdk.AuthenticationException;
import io.tensorbox.sdk.ConflictException;
import io.tensorbox.sdk.ForbiddenException;
import io.tensorbox.sdk.InvalidArgumentException;
import io.tensorbox.sdk.NotFoundException;
import io.tensorbox.sdk.RateLimitException;
import io.tensorbox.sdk.RequestTimeoutException;
import io.tensorbox.sdk.TensorBoxException;
import io.tensorbox.sdk.UnavailableException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpTimeoutException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Maps error answers and client-side failures to the SDK's exceptions. */
public final class Errors {
    private Errors() {
    }

    /**
     * The exception for an error answer. The body is expected to be
     * {@code {"error":{"code","message"}}}; anything else keeps the status and uses the body (or
     * the status) as message.
     */
    public static TensorBoxException fromResponse(int status, String body) {
        String code = null;
        String message = null;
        if (body != null && !body.isBlank()) {
            try {
                JsonNode root = Json.MAPPER.readTree(body);
                JsonNode err = root == null ? null : root.get("error");
                if (err != null && err.isObject()) {
                    code = Json.text(err, "code");
                    message = Json.text(err, "message");
                } else if (err != null && err.isTextual()) {
                    message = err.asText();
                }
            } catch (IOException | RuntimeException e) {
                message = Json.abbreviate(body.strip());
            }
        }
        if (code == null) {
            code = defaultCode(status);
        }
        if (message == null || message.isBlank()) {
            message = "HTTP " + status + " (" + code + ")";
        }
        return of(status, code, message);
    }

    /** The exception class for a status. */
    public static TensorBoxException of(int status, String code, String message) {
        switch (status) {
            case 400:
                return new InvalidArgumentException(code, message);
            case 401:
                return new AuthenticationException(code, message);
            case 403:
                return new ForbiddenException(code, message);
            case 404:
                return new NotFoundException(code, message);
            case 409:
                return new ConflictException(code, message);
            case 429:
                return new RateLimitException(code, message);
            case 503:
                return new UnavailableException(code, message);
            default:
                return new TensorBoxException(status, code, message);
        }
    }

    static String defaultCode(int status) {
        switch (status) {
            case 400:
                return "invalid_argument";
            case 401:
                return "unauthorized";
            case 403:
                return "forbidden";
            case 404:
                return "not_found";
            case 409:
                return "conflict";
            case 413:
                return "too_large";
            case 429:
                return "rate_limited";
            case 503:
                return "unavailable";
            default:
                return "http_" + status;
        }
    }

    /**
     * The exception to throw for a failed request (unwraps completion wrappers). Exceptions thrown
     * by user callbacks come back unchanged.
     */
    public static RuntimeException fromThrowable(Throwable t, String what) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        if (c instanceof TensorBoxException) {
            return (TensorBoxException) c;
        }
        if (c instanceof HttpTimeoutException) {
            return new RequestTimeoutException(what + ": no answer within the request timeout", c);
        }
        if (c instanceof ConnectException) {
            return new TensorBoxException(0, "connection_failed", what + ": cannot connect: "
                    + (c.getMessage() == null ? c.toString() : c.getMessage()), c);
        }
        if (c instanceof CancellationException) {
            return new TensorBoxException(0, "cancelled", what + ": cancelled", c);
        }
        if (c instanceof RuntimeException) {
            return (RuntimeException) c; // e.g. a user callback threw
        }
        return new TensorBoxException(0, "network_error", what + ": "
                + (c.getMessage() == null ? c.toString() : c.getMessage()), c);
    }
}
