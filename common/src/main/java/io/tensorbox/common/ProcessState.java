package io.tensorbox.common;

/** The states of seed 000, in their wire spelling. */
public enum ProcessState {
    running, exited, killed, failed;

    public boolean isFinal() {
        return this != running;
    }
}
