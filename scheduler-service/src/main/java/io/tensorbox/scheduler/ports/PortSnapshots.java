package io.tensorbox.scheduler.ports;

import org.jboss.logging.Logger;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the port watcher's output (the {@code ports} verb of supervisor.sh) line by line and hands on each
 * complete, well-formed snapshot. What a sandbox prints is hostile: every line must match its
 * pattern exactly, addresses and ports are hex decoded here (never by a shell), a frame holds at most
 * {@link #MAX_PORTS} entries and must end with exactly the count it announced; a frame with one bad
 * line, too many entries or no end is dropped whole, so a partial frame is never taken for a set.
 */
public final class PortSnapshots implements Consumer<String> {

    private static final Logger LOG = Logger.getLogger(PortSnapshots.class);

    /** More listening sockets than any sandbox has a use for; a larger frame is refused. */
    public static final int MAX_PORTS = 1024;
    /** pid_max cannot exceed 2^22 on Linux. */
    static final long MAX_PID = 1L << 22;

    private static final Pattern BEGIN = Pattern.compile("tbx-ports (0|[1-9][0-9]{0,4})");
    private static final String END = "tbx-ports-end";
    private static final Pattern ENTRY = Pattern.compile("p (?:4 ([0-9A-F]{8})|6 ([0-9A-F]{32})):([0-9A-F]{4}) (0|[1-9][0-9]{0,6})");

    private final String sandboxId;
    private final Consumer<List<ListeningPort>> onSnapshot;
    /** The frame being read: null outside a frame or after a bad line in it. */
    private Map<String, ListeningPort> frame;
    private int expected;
    private int entries;
    private volatile long snapshots;

    public PortSnapshots(String sandboxId, Consumer<List<ListeningPort>> onSnapshot) {
        this.sandboxId = sandboxId;
        this.onSnapshot = onSnapshot;
    }

    /** Complete snapshots handed on so far. */
    public long snapshots() {
        return snapshots;
    }

    @Override
    public synchronized void accept(String line) {
        Matcher begin = BEGIN.matcher(line);
        if (begin.matches()) {
            if (frame != null) {
                reject("a frame began inside another");
            }
            int count = Integer.parseInt(begin.group(1));
            if (count > MAX_PORTS) {
                reject("a frame of " + count + " sockets");
                return;
            }
            frame = new LinkedHashMap<>();
            expected = count;
            entries = 0;
            return;
        }
        if (frame == null) {
            // outside a frame, or the rest of a refused one
            return;
        }
        if (line.equals(END)) {
            Map<String, ListeningPort> done = frame;
            frame = null;
            if (entries != expected) {
                reject("a frame announced " + expected + " sockets and held " + entries);
                return;
            }
            snapshots++;
            onSnapshot.accept(List.copyOf(done.values()));
            return;
        }
        Matcher entry = ENTRY.matcher(line);
        if (!entry.matches() || ++entries > expected) {
            frame = null;
            reject(entry.matches() ? "more sockets than the frame announced" : "a malformed line");
            return;
        }
        int port = Integer.parseInt(entry.group(3), 16);
        long pid = Long.parseLong(entry.group(4));
        if (port == 0 || pid > MAX_PID) {
            frame = null;
            reject("port " + port + " or pid " + pid + " out of range");
            return;
        }
        String address = entry.group(1) != null ? ipv4(entry.group(1)) : ipv6(entry.group(2));
        // the same port and address twice (SO_REUSEPORT): one entry, the first owner found
        frame.putIfAbsent(port + " " + address, new ListeningPort(port, address, pid));
    }

    private void reject(String why) {
        frame = null;
        LOG.warnf("dropped a port snapshot of sandbox %s: %s", sandboxId, why);
    }

    /**
     * An IPv4 address as /proc/net/tcp prints it: the 32-bit word in host byte order, as 8 hex
     * digits. Sandboxes run on little-endian machines (x86-64, arm64): 0100007F is 127.0.0.1.
     */
    static String ipv4(String hex) {
        byte[] b = word(hex, 0);
        return (b[0] & 0xff) + "." + (b[1] & 0xff) + "." + (b[2] & 0xff) + "." + (b[3] & 0xff);
    }

    /** An IPv6 address as /proc/net/tcp6 prints it (four 32-bit words, each in host byte order), in RFC 5952 text. */
    static String ipv6(String hex) {
        byte[] b = new byte[16];
        for (int w = 0; w < 4; w++) {
            System.arraycopy(word(hex, w * 8), 0, b, w * 4, 4);
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        // ::ffff:a.b.c.d, an IPv4-mapped address
        if (groups[0] == 0 && groups[1] == 0 && groups[2] == 0 && groups[3] == 0 && groups[4] == 0 && groups[5] == 0xffff) {
            return "::ffff:" + (b[12] & 0xff) + "." + (b[13] & 0xff) + "." + (b[14] & 0xff) + "." + (b[15] & 0xff);
        }
        // the longest run of two or more zero groups (the first of equal ones) becomes "::"
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
    }

    /** The 4 bytes of the little-endian 32-bit word at {@code from}, in network order. */
    private static byte[] word(String hex, int from) {
        long value = Long.parseLong(hex.substring(from, from + 8), 16);
        return new byte[] {(byte) value, (byte) (value >> 8), (byte) (value >> 16), (byte) (value >> 24)};
    }
}
