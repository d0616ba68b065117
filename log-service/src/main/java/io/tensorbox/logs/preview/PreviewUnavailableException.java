package io.tensorbox.logs.preview;

/** api-service could not be asked, or answered something that is not an authorization. */
public class PreviewUnavailableException extends RuntimeException {
    public PreviewUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
