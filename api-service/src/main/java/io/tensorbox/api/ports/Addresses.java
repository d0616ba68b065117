package io.tensorbox.api.ports;

import java.util.regex.Pattern;

/**
 * Listening addresses as the scheduler reports them (text read from inside a sandbox: hostile). Only
 * IP literals are accepted, parsed here without {@code InetAddress} (which may fall back to a DNS
 * lookup for text it does not take for a literal).
 */
final class Addresses {
    static final int MAX_LENGTH = 45;
    private static final Pattern V4 = Pattern.compile(
            "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern V6_CHARS = Pattern.compile("[0-9A-Fa-f:.]{2,45}");
    private static final Pattern GROUP = Pattern.compile("[0-9A-Fa-f]{1,4}");

    /** How a port can be reached. */
    enum Kind {
        /** 0.0.0.0, :: or another non-loopback address. */
        ANY,
        /** 127.0.0.0/8, ::1 or ::ffff:127.x.y.z. */
        LOOPBACK
    }

    private Addresses() {
    }

    /** The kind of an IP literal, or null when the text is not one. */
    static Kind kind(String address) {
        byte[] bytes = parse(address);
        if (bytes == null) {
            return null;
        }
        if (bytes.length == 4) {
            return (bytes[0] & 0xff) == 127 ? Kind.LOOPBACK : Kind.ANY;
        }
        boolean zeroPrefix = true;
        for (int i = 0; i < 10; i++) {
            zeroPrefix &= bytes[i] == 0;
        }
        if (zeroPrefix && bytes[10] == 0 && bytes[11] == 0 && bytes[12] == 0 && bytes[13] == 0 && bytes[14] == 0
                && bytes[15] == 1) {
            return Kind.LOOPBACK; // ::1
        }
        if (zeroPrefix && (bytes[10] & 0xff) == 0xff && (bytes[11] & 0xff) == 0xff && (bytes[12] & 0xff) == 127) {
            return Kind.LOOPBACK; // ::ffff:127.x.y.z
        }
        return Kind.ANY;
    }

    /** 4 or 16 bytes, or null. */
    static byte[] parse(String text) {
        if (text == null || text.isEmpty() || text.length() > MAX_LENGTH) {
            return null;
        }
        if (V4.matcher(text).matches()) {
            return v4(text);
        }
        if (!V6_CHARS.matcher(text).matches() || text.indexOf(':') < 0) {
            return null;
        }
        int gap = text.indexOf("::");
        if (gap >= 0 && text.indexOf("::", gap + 1) >= 0) {
            return null;
        }
        String head = gap >= 0 ? text.substring(0, gap) : text;
        String tail = gap >= 0 ? text.substring(gap + 2) : "";
        byte[] tailV4 = null;
        String last = gap >= 0 ? tail : head;
        int lastColon = last.lastIndexOf(':');
        String lastPart = last.substring(lastColon + 1);
        if (lastPart.contains(".")) {
            if (!V4.matcher(lastPart).matches()) {
                return null;
            }
            tailV4 = v4(lastPart);
            String rest = lastColon < 0 ? "" : last.substring(0, lastColon);
            if (gap >= 0) {
                tail = rest;
            } else {
                head = rest;
            }
        }
        int[] headGroups = groups(head);
        int[] tailGroups = groups(tail);
        if (headGroups == null || tailGroups == null) {
            return null;
        }
        int total = headGroups.length + tailGroups.length + (tailV4 != null ? 2 : 0);
        if (gap >= 0 ? total > 7 : total != 8) {
            return null;
        }
        byte[] out = new byte[16];
        int i = 0;
        for (int g : headGroups) {
            out[i++] = (byte) (g >> 8);
            out[i++] = (byte) g;
        }
        i = 16 - tailGroups.length * 2 - (tailV4 != null ? 4 : 0);
        for (int g : tailGroups) {
            out[i++] = (byte) (g >> 8);
            out[i++] = (byte) g;
        }
        if (tailV4 != null) {
            System.arraycopy(tailV4, 0, out, 12, 4);
        }
        return out;
    }

    private static int[] groups(String part) {
        if (part.isEmpty()) {
            return new int[0];
        }
        String[] items = part.split(":", -1);
        int[] out = new int[items.length];
        for (int i = 0; i < items.length; i++) {
            if (!GROUP.matcher(items[i]).matches()) {
                return null;
            }
            out[i] = Integer.parseInt(items[i], 16);
        }
        return out;
    }

    private static byte[] v4(String text) {
        String[] parts = text.split("\\.");
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            out[i] = (byte) Integer.parseInt(parts[i]);
        }
        return out;
    }
}
