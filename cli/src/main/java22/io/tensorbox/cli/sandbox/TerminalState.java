package io.tensorbox.cli.sandbox;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * An exact snapshot of a local terminal's settings (the whole {@code struct termios}), restored
 * byte for byte with {@code tcsetattr}. JLine 3.30's {@code setAttributes} writes a fresh termios
 * with only the flags it maps, which zeroes the line speed (jline/jline3#2170), so the terminal
 * command restores this snapshot last. JDK 22+ version (java.lang.foreign).
 */
final class TerminalState {
    /** Larger than any platform's struct termios (60 bytes on Linux, 72 on macOS). */
    private static final int SIZE = 256;
    private static final int TCSANOW = 0;

    private final int fd;
    private final byte[] saved;

    private TerminalState(int fd, byte[] saved) {
        this.fd = fd;
        this.saved = saved;
    }

    /** The settings of the terminal on file descriptor {@code fd}, or a no-op if it is not one. */
    static TerminalState save(int fd) {
        byte[] bytes = null;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment termios = arena.allocate(SIZE);
            if ((int) Native.TCGETATTR.invokeExact(fd, termios) == 0) {
                bytes = termios.toArray(JAVA_BYTE);
            }
        } catch (Throwable e) {
            // not a terminal, no libc, no native access: nothing to restore
        }
        return new TerminalState(fd, bytes);
    }

    /** Puts the settings back as they were; never throws. */
    void restore() {
        if (saved == null) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment termios = arena.allocate(SIZE);
            MemorySegment.copy(saved, 0, termios, JAVA_BYTE, 0, saved.length);
            int rc = (int) Native.TCSETATTR.invokeExact(fd, TCSANOW, termios);
            assert rc == 0 || rc == -1;
        } catch (Throwable e) {
            // the terminal is gone
        }
    }

    private static final class Native {
        static final MethodHandle TCGETATTR;
        static final MethodHandle TCSETATTR;

        static {
            Linker linker = Linker.nativeLinker();
            TCGETATTR = linker.downcallHandle(linker.defaultLookup().find("tcgetattr").orElseThrow(),
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
            TCSETATTR = linker.downcallHandle(linker.defaultLookup().find("tcsetattr").orElseThrow(),
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
        }
    }
}
