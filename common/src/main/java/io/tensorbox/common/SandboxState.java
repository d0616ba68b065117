package io.tensorbox.common;

public enum SandboxState {
    pending, running, stopped, failed;

    public boolean isFinal() {
        return this == stopped || this == failed;
    }
}
