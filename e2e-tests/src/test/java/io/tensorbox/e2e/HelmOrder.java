package io.tensorbox.e2e;

import org.junit.jupiter.api.Order;

/**
 * The order of the tests of an installed chart ({@code -Pe2e-helm} orders classes by {@link Order}):
 * after the whole suite (unordered classes come at {@link Order#DEFAULT}), the release's own checks,
 * the replicas, an upgrade, the pod kills, and the uninstall last.
 */
final class HelmOrder {
    static final int RELEASE = Order.DEFAULT + 1;
    static final int REPLICAS = Order.DEFAULT + 2;
    static final int UPGRADE = Order.DEFAULT + 3;
    static final int POD_KILLS = Order.DEFAULT + 4;
    static final int UNINSTALL = Order.DEFAULT + 100;

    private HelmOrder() {
    }
}
