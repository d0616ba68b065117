package io.tensorbox.logs.scheduler;

/** scheduler-service could not be reached or could not serve the call: answered 503. */
public class SchedulerUnavailableException extends RuntimeException {
    public SchedulerUnavailableException(String message) {
        super(message);
    }

    public SchedulerUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
