package io.tensorbox.api.connect;

import io.tensorbox.common.ApiException;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The OS user an envd client names: {@code Authorization: Basic base64("<user>:")} (E2B's SDKs send it
 * beside {@code X-Access-Token} when a call has a {@code user}). Absent: the sandbox's default user.
 * Parsed strictly; the name itself is checked where commands check {@code user}.
 */
public final class BasicUser {
    private static final String BASIC = "Basic ";

    private BasicUser() {
    }

    /** @return the user, or null when the header names none */
    public static String of(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, BASIC, 0, BASIC.length())) {
            return null;
        }
        String encoded = authorization.substring(BASIC.length()).trim();
        if (encoded.length() > 200) {
            throw ApiException.invalid("The 'Authorization: Basic' header is too long.");
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("The 'Authorization: Basic' header is not base64.");
        }
        int colon = decoded.indexOf(':');
        String user = colon < 0 ? decoded : decoded.substring(0, colon);
        return user.isEmpty() ? null : user;
    }
}
