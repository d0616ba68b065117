package io.tensorbox.scheduler.runtime;

import java.util.List;

/**
 * What a driver runs on a new terminal: {@code argv} as given (started in the workspace, with the
 * sandbox's environment), on a window of {@code cols} x {@code rows}. Drivers can size the window only
 * once the program started (pty4j just after its fork, the kubelet on the first resize message): a
 * program that must see the size at once sets it itself (the terminal wrapper does, with {@code stty}).
 */
public record TerminalRequest(List<String> argv, int cols, int rows) {

    public TerminalRequest {
        if (argv == null || argv.isEmpty()) {
            throw new IllegalArgumentException("argv must name a command");
        }
        argv = List.copyOf(argv);
    }
}
