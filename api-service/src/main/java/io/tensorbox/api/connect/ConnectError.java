package io.tensorbox.api.connect;

import io.tensorbox.common.ApiException;

/**
 * A failure as a Connect client reads it: one of Connect's fixed codes (E2B's SDKs turn {@code not_found},
 * {@code invalid_argument}, {@code unauthenticated} into their own error types) and a message. The rest
 * of the API speaks {@code {"error":{"code","message"}}} with TensorBox's own codes; {@link #of} translates
 * those by their HTTP status, so the two wire formats never disagree on what went wrong.
 */
public final class ConnectError extends RuntimeException {

    /** The Connect codes this service answers, with the HTTP status of a unary answer (Connect protocol table). */
    public enum Code {
        invalid_argument(400),
        failed_precondition(400),
        unauthenticated(401),
        permission_denied(403),
        not_found(404),
        already_exists(409),
        resource_exhausted(429),
        internal(500),
        unimplemented(501),
        unavailable(503);

        final int httpStatus;

        Code(int httpStatus) {
            this.httpStatus = httpStatus;
        }
    }

    private final Code code;

    ConnectError(Code code, String message) {
        super(message);
        this.code = code;
    }

    public Code code() {
        return code;
    }

    static ConnectError invalid(String message) {
        return new ConnectError(Code.invalid_argument, message);
    }

    /** What a failure of this service or of those behind it means to a Connect client. */
    static ConnectError of(Throwable failure) {
        if (failure instanceof ConnectError connect) {
            return connect;
        }
        if (failure instanceof ApiException api) {
            if (api.status() == 409 && "already_exists".equals(api.code())) {
                return new ConnectError(Code.already_exists, api.getMessage());
            }
            Code code = switch (api.status()) {
                case 400 -> Code.invalid_argument;
                case 401 -> Code.unauthenticated;
                case 403 -> Code.permission_denied;
                case 404 -> Code.not_found;
                // sandbox_not_running, process_not_running, stdin_closed: the state must change first
                case 409 -> Code.failed_precondition;
                case 413, 429 -> Code.resource_exhausted;
                case 503 -> Code.unavailable;
                default -> Code.internal;
            };
            return new ConnectError(code, api.getMessage());
        }
        return new ConnectError(Code.internal, "Internal error.");
    }

    /** The JSON of a Connect error: {@code {"code","message"}}. */
    java.util.Map<String, String> body() {
        return java.util.Map.of("code", code.name(), "message", getMessage() == null ? "" : getMessage());
    }
}
