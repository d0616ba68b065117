package io.tensorbox.logs.preview;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A preview host, {@code {port}-{sandbox id with _ as -}.{preview domain}} with any port after it,
 * e.g. {@code 3000-sbx-0123456789abcdef01234567.localhost:8082}. Parsed strictly: a port 1..65535
 * without leading zeros, a sandbox id of 24 lower-case hex digits (host names are case-insensitive,
 * so upper case is folded first), then exactly the domain; anything else is not a preview host.
 *
 * <p>The sandbox id may also keep its {@code _} ({@code 3000-sbx_0123….localhost}): that is the host
 * E2B's SDKs build ({@code getHost(port)} = {@code {port}-{sandboxID}.{domain}}), and E2B splits such a
 * host on its first {@code -}, which an id with {@code _} survives.
 */
public record PreviewHost(int port, String sandboxId) {

    private static final Pattern LABEL = Pattern.compile("([1-9][0-9]{0,4})-sbx[-_]([0-9a-f]{24})");
    private static final Pattern HOST_PORT = Pattern.compile(":[0-9]{1,5}");

    /** @return the preview host named by a Host header (or :authority), or null when it names none */
    public static PreviewHost parse(String host, String domain) {
        if (host == null || host.length() > 300) {
            return null;
        }
        String name = host.toLowerCase(Locale.ROOT);
        int colon = name.lastIndexOf(':');
        if (colon >= 0) {
            if (!HOST_PORT.matcher(name.substring(colon)).matches()) {
                return null;
            }
            name = name.substring(0, colon);
        }
        String suffix = "." + domain.toLowerCase(Locale.ROOT);
        if (!name.endsWith(suffix)) {
            return null;
        }
        Matcher label = LABEL.matcher(name.substring(0, name.length() - suffix.length()));
        if (!label.matches()) {
            return null;
        }
        int port = Integer.parseInt(label.group(1));
        if (port > 65_535) {
            return null;
        }
        return new PreviewHost(port, "sbx_" + label.group(2));
    }

    /** The host label, {@code 3000-sbx-…}. */
    public String label() {
        return port + "-" + sandboxId.replace('_', '-');
    }
}
