package io.tensorbox.sdk;

/** HTTP 400: the request was malformed or a value was invalid. */
public class InvalidArgumentException extends TensorBoxException {
    private static final long serialVersionUID = 1L;

    /** Creates the error from the server's code and message. */
    public InvalidArgumentException(String code, String message) {
        super(400, code, message);
    }

    /** Creates the error with an explicit status (used for statuses without their own class). */
    public InvalidArgumentException(int status, String code, String message) {
        super(status, code, message);
    }
}
