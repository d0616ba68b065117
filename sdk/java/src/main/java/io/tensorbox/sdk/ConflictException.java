package io.tensorbox.sdk;

/** HTTP 409: the resource is in the wrong state (e.g. stdin of an ended process). */
public class ConflictException extends TensorBoxException {
    private static final long serialVersionUID = 1L;

    /** Creates the error from the server's code and message. */
    public ConflictException(String code, String message) {
        super(409, code, message);
    }

    /** Creates the error with an explicit status (used for statuses without their own class). */
    public ConflictException(int status, String code, String message) {
        super(status, code, message);
    }
}
