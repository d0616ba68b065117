package io.tensorbox.sdk;

/** Receives a terminal's output. Called from the HTTP client's threads, one call at a time. */
public interface TerminalListener {
    /** Output of the terminal (raw bytes, may split UTF-8 sequences). */
    void onOutput(byte[] data);

    /** The shell exited with this code; the terminal is closed afterwards. */
    default void onExit(int exitCode) {
    }
}
