package io.tensorbox.api.commands;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/** Query parameters of a WebSocket handshake, which the endpoints only see as the raw query string. */
public final class Queries {
    private Queries() {
    }

    /** The first value of {@code name} in {@code query}, decoded; null when absent. */
    public static String param(String query, String name) {
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            if (key.equals(name)) {
                return URLDecoder.decode(eq < 0 ? "" : pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }
}
