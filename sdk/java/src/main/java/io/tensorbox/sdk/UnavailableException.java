package io.tensorbox.sdk;

/** HTTP 503: the platform or the sandbox runtime is not available right now. */
public class UnavailableException extends TensorBoxException {
    private static final long serialVersionUID = 1L;

    /** Creates the error from the server's code and message. */
    public UnavailableException(String code, String message) {
        super(503, code, message);
    }

    /** Creates the error with an explicit status (used for statuses without their own class). */
    public UnavailableException(int status, String code, String message) {
        super(status, code, message);
    }
}
