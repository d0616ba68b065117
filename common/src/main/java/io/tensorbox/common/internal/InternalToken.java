package io.tensorbox.common.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The service identity on {@code /internal/*} routes: a shared secret every TensorBox service is
 * given as {@code tensorbox.internal-token} ({@code TENSORBOX_INTERNAL_TOKEN}; {@code ./tensorbox up}
 * keeps one in {@code $TENSORBOX_HOME/internal-token}, the chart in a generated Secret). Callers send
 * it in {@link #HEADER}; a request that carries it is the identity {@link #PRINCIPAL} with the one
 * role {@link #ROLE}.
 */
public final class InternalToken {

    public static final String HEADER = "X-Tensorbox-Internal-Token";
    public static final String ROLE = "internal";
    public static final String PRINCIPAL = "tensorbox-service";
    public static final String CONFIG_KEY = "tensorbox.internal-token";
    /** Shorter secrets are refused at start-up: the token guards remote code execution. */
    public static final int MIN_LENGTH = 32;

    private InternalToken() {
    }

    /** Constant-time comparison, so the time of a refusal says nothing about the secret. */
    public static boolean matches(String expected, String presented) {
        if (expected == null || presented == null) {
            return false;
        }
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), presented.getBytes(StandardCharsets.UTF_8));
    }

    /** @return why {@code token} cannot serve as the internal token, or null when it can */
    public static String problem(String token) {
        if (token == null || token.isBlank()) {
            return CONFIG_KEY + " (TENSORBOX_INTERNAL_TOKEN) is not set: every service needs the same secret"
                    + " to authenticate the internal routes between them";
        }
        if (token.strip().length() < MIN_LENGTH) {
            return CONFIG_KEY + " (TENSORBOX_INTERNAL_TOKEN) must be at least " + MIN_LENGTH + " characters long";
        }
        return null;
    }
}
