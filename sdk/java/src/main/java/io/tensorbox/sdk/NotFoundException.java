package io.tensorbox.sdk;

/** HTTP 404: the sandbox, process, command or key does not exist. */
public class NotFoundException extends TensorBoxException {
    private static final long serialVersionUID = 1L;

    /** Creates the error from the server's code and message. */
    public NotFoundException(String code, String message) {
        super(404, code, message);
    }

    /** Creates the error with an explicit status (used for statuses without their own class). */
    public NotFoundException(int status, String code, String message) {
        super(status, code, message);
    }
}
