package io.tensorbox.api.auth;

import io.tensorbox.common.Ids;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ask_<keyid>_<secret>}: the key id finds the record, the secret is checked against its
 * SHA-256 (the secret is random and long, so a plain hash is enough; no password stretching).
 *
 * <p>The same key can be spelt {@code e2b_<keyid><secret>} when both are lower-case hex (16 and 48
 * digits), the only form E2B's Python SDK accepts ({@code \Ae2b_[0-9a-f]+\Z}): issued on request
 * ({@code "format": "e2b"}), stored and checked exactly like the other form.
 */
public final class KeyFormat {
    private static final Pattern KEY = Pattern.compile("ask_([A-Za-z0-9]{1,64})_([A-Za-z0-9_-]{8,256})");
    private static final Pattern E2B_KEY = Pattern.compile("e2b_([0-9a-f]{16})([0-9a-f]{48})");

    private KeyFormat() {
    }

    public record Parsed(String keyId, String secret) {
    }

    public static Optional<Parsed> parse(String key) {
        if (key == null) {
            return Optional.empty();
        }
        Matcher m = KEY.matcher(key);
        if (!m.matches()) {
            m = E2B_KEY.matcher(key);
        }
        return m.matches() ? Optional.of(new Parsed(m.group(1), m.group(2))) : Optional.empty();
    }

    public static String newKeyId() {
        return Ids.hex(8);
    }

    public static String newSecret() {
        return Ids.hex(24);
    }

    public static String format(String keyId, String secret) {
        return "ask_" + keyId + "_" + secret;
    }

    /** The E2B spelling, {@code e2b_<keyid><secret>}; both must be lower-case hex of 16 and 48 digits. */
    public static String formatE2b(String keyId, String secret) {
        String key = "e2b_" + keyId + secret;
        if (!E2B_KEY.matcher(key).matches()) {
            throw new IllegalArgumentException("not an E2B key id and secret");
        }
        return key;
    }

    public static String hash(String secret) {
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static boolean matches(String secret, String expectedHash) {
        return MessageDigest.isEqual(hash(secret).getBytes(StandardCharsets.US_ASCII),
                expectedHash.getBytes(StandardCharsets.US_ASCII));
    }
}
