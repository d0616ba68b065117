package io.tensorbox.logs.preview;

/**
 * api-service's answer to {@code POST /internal/v1/preview/authorize}: whether the caller may open
 * the port, the sandbox's state, how the port is bound ({@code any}, {@code loopback},
 * {@code none}) and whether it is public.
 */
public record Authorization(boolean allowed, String state, String listening, boolean isPublic) {

    public boolean running() {
        return "running".equals(state);
    }
}
