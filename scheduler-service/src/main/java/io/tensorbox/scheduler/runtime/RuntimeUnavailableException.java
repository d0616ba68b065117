package io.tensorbox.scheduler.runtime;

/** The runtime cannot serve the request now (answered 503), or has no such sandbox (404 above). */
public class RuntimeUnavailableException extends RuntimeException {
    public RuntimeUnavailableException(String message) {
        super(message);
    }

    public RuntimeUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
