package io.tensorbox.sdk;

/** HTTP 401: the API key or access token is missing or wrong. */
public class AuthenticationException extends TensorBoxException {
    private static final long serialVersionUID = 1L;

    /** Creates the error from the server's code and message. */
    public AuthenticationException(String code, String message) {
        super(401, code, message);
    }

    /** Creates the error with an explicit status (used for statuses without their own class). */
    public AuthenticationException(int status, String code, String message) {
        super(status, code, message);
    }
}
