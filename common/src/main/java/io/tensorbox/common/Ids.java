package io.tensorbox.common;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** Identifier formats of SPEC §2: a prefix and 24 lowercase hex digits. */
public final class Ids {
    public static final Pattern SANDBOX = Pattern.compile("sbx_[0-9a-f]{24}");
    public static final Pattern PROCESS = Pattern.compile("proc_[0-9a-f]{24}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private Ids() {
    }

    public static String newSandboxId() {
        return "sbx_" + hex(12);
    }

    public static String newProcessId() {
        return "proc_" + hex(12);
    }

    public static String hex(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
