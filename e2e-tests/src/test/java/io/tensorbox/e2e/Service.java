package io.tensorbox.e2e;

/** The three packaged applications, each run as its own OS process by {@link TensorBoxCluster}. */
public enum Service {
    SCHEDULER("scheduler-service"),
    LOG("log-service"),
    API("api-service");

    final String module;

    Service(String module) {
        this.module = module;
    }
}
