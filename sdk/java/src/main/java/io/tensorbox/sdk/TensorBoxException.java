package io.tensorbox.sdk;

/**
 * Base class of every error the SDK throws. Carries the HTTP status (0 when the error happened on
 * the client side), the server's error code (e.g. {@code sandbox_not_found}) and, as the message,
 * the server's message.
 */
public class TensorBoxException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    /** The HTTP status, 0 for client-side errors. */
    private final int status;
    /** The server's error code. */
    private final String code;

    /** Creates an error with an HTTP status, a server error code and the server's message. */
    public TensorBoxException(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    /** Creates an error with a cause (network failures and the like). */
    public TensorBoxException(int status, String code, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.code = code;
    }

    /** The HTTP status of the answer, or 0 when no answer was received. */
    public int status() {
        return status;
    }

    /** The server's error code ({@code error.code}), or a client-side code such as {@code request_timeout}. */
    public String code() {
        return code;
    }
}
