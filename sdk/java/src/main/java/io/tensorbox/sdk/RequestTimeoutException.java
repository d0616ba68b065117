package io.tensorbox.sdk;

/** The client gave up waiting for the server's answer (the configured request timeout elapsed). */
public class RequestTimeoutException extends TensorBoxException {
    private static final long serialVersionUID = 1L;

    /** Creates the error. */
    public RequestTimeoutException(String message, Throwable cause) {
        super(0, "request_timeout", message, cause);
    }
}
