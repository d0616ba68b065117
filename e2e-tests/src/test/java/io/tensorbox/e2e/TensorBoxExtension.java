package io.tensorbox.e2e;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts the shared platform before the first test class and stops it when the whole run ends
 * (the root store closes its values last). After each class, deletes the sandboxes that class
 * created, so their processes do not pile up on a 2-core machine.
 */
public final class TensorBoxExtension implements BeforeAllCallback, AfterAllCallback {

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(ClusterLifetime.class, k -> new ClusterLifetime(), ClusterLifetime.class);
        TensorBoxCluster.shared();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        TensorBoxCluster cluster = TensorBoxCluster.current();
        if (cluster != null && !TensorBoxCluster.keepHome()) {
            Sandboxes.deleteCreated(cluster);
        }
    }

    /** Closed by JUnit when the run ends. */
    static final class ClusterLifetime implements AutoCloseable, ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            TensorBoxCluster.closeShared();
        }
    }
}
