package io.tensorbox.common;

/** A sandbox record that should have a runtime sandbox behind it (pending or running). */
public record LiveSandbox(SandboxSpec spec, SandboxState state) {
}
