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
 */
public final class KeyFormat {
    private static final Pattern KEY = Pattern.compile("ask_([A-Za-z0-9]{1,64})_([A-Za-z0-9_-]{8,256})");

    private KeyFormat() {
    }

    public record Parsed(String keyId, String secret) {
    }

    public static Optional<Parsed> parse(String key) {
        if (key == null) {
            return Optional.empty();
        }
        Matcher m = KEY.matcher(key);
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
