/** The Java client of TensorBox. Start at {@link io.tensorbox.sdk.Sandbox}. */
package io.tensorbox.sdk;
