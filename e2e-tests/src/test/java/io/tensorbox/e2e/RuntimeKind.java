package io.tensorbox.e2e;

import java.util.Locale;

/**
 * The runtime driver the scheduler is started with for a run: {@code -Dtensorbox.e2e.runtime=local}
 * (the default), {@code kubernetes} (profile {@code e2e-kubernetes}), or {@code auto}: kubernetes
 * when {@code KUBECONFIG} is set, else local (profile {@code bench}).
 */
public enum RuntimeKind {
    LOCAL, KUBERNETES;

    static RuntimeKind fromSystemProperties() {
        String wanted = System.getProperty("tensorbox.e2e.runtime", "local").trim().toLowerCase(Locale.ROOT);
        return switch (wanted) {
            case "", "local" -> LOCAL;
            case "kubernetes" -> KUBERNETES;
            case "auto" -> System.getenv("KUBECONFIG") == null || System.getenv("KUBECONFIG").isBlank() ? LOCAL : KUBERNETES;
            default -> throw new IllegalStateException("-Dtensorbox.e2e.runtime=" + wanted + " is not local, kubernetes or auto");
        };
    }

    /** The value of {@code TENSORBOX_RUNTIME}. */
    public String driver() {
        return name().toLowerCase(Locale.ROOT);
    }
}
