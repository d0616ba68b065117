package io.tensorbox.sdk;

/** HTTP 429: too many requests or a quota was reached. */
public class RateLimitException extends TensorBoxException {
    private static final long serialVersionUID = 1L;

    /** Creates the error from the server's code and message. */
    public RateLimitException(String code, String message) {
        super(429, code, message);
    }

    /** Creates the error with an explicit status (used for statuses without their own class). */
    public RateLimitException(int status, String code, String message) {
        super(status, code, message);
    }
}
