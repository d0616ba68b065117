package io.tensorbox.cli.sandbox;

/**
 * An exact snapshot of a local terminal's settings (the whole {@code struct termios}), restored
 * byte for byte. JLine 3.30's {@code setAttributes} writes a fresh termios with only the flags it
 * maps, which zeroes the line speed ({@code stty -g} differs afterwards; jline/jline3#2170), so the
 * terminal command restores this snapshot last.
 *
 * <p>This is the Java 21 version: it saves nothing (JLine's restore is all there is). On JDK 22+
 * the multi-release jar supplies a version that calls {@code tcgetattr}/{@code tcsetattr} through
 * {@code java.lang.foreign}.
 */
final class TerminalState {
    private TerminalState() {
    }

    /** The settings of the terminal on file descriptor {@code fd}, or a no-op if it is not one. */
    static TerminalState save(int fd) {
        return new TerminalState();
    }

    /** Puts the settings back as they were; never throws. */
    void restore() {
        // nothing saved on this JDK
    }
}
