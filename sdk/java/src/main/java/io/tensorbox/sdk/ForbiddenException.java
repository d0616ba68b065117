package io.tensorbox.sdk;

/** HTTP 403: the credential is valid but not allowed to do this (e.g. a viewer key). */
public class ForbiddenException extends TensorBoxException {
    private static final long serialVersionUID = 1L;

    /** Creates the error from the server's code and message. */
    public ForbiddenException(String code, String message) {
        super(403, code, message);
    }

    /** Creates the error with an explicit status (used for statuses without their own class). */
    public ForbiddenException(int status, String code, String message) {
        super(status, code, message);
    }
}
