package io.tensorbox.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import io.tensorbox.sdk.ConnectionConfig;

/**
 * What every command shares: the connection (global options, else the environment) and the
 * process's standard streams, written as UTF-8 bytes whatever the locale, unbuffered so that output
 * relayed from a sandbox shows as it comes.
 */
public final class Cli {
    /** The URL used when neither --api-url nor TENSORBOX_API_URL is set. */
    public static final String DEFAULT_API_URL = "http://localhost:8080";

    private static final OutputStream OUT = new FileOutputStream(FileDescriptor.out);
    private static final OutputStream ERR = new FileOutputStream(FileDescriptor.err);

    private static String apiUrlOption;
    private static String apiKeyOption;
    private static Duration requestTimeout;

    private Cli() {
    }

    static void setOptions(String apiUrl, String apiKey, Duration timeout) {
        if (apiUrl != null) {
            apiUrlOption = apiUrl;
        }
        if (apiKey != null) {
            apiKeyOption = apiKey;
        }
        if (timeout != null) {
            requestTimeout = timeout;
        }
    }

    /** The API URL: --api-url, else TENSORBOX_API_URL, else {@value #DEFAULT_API_URL}. */
    public static String apiUrl() {
        String url = blankToNull(apiUrlOption);
        if (url == null) {
            url = blankToNull(System.getenv("TENSORBOX_API_URL"));
        }
        if (url == null) {
            url = DEFAULT_API_URL;
        }
        if (!url.startsWith("http://") && !url.startsWith("https://")) {
            throw CliException.usage("the API URL '" + url + "' is not an http:// or https:// URL;"
                    + " set TENSORBOX_API_URL or pass --api-url (e.g. http://localhost:8080)");
        }
        while (url.endsWith("/")) {
            url = url.substring(0, url.length() - 1);
        }
        return url;
    }

    static String apiUrlForMessages() {
        try {
            return apiUrl();
        } catch (CliException e) {
            return String.valueOf(apiUrlOption);
        }
    }

    /** The API key: --api-key, else TENSORBOX_API_KEY; missing is a usage error that says how to set it. */
    public static String apiKey() {
        String key = blankToNull(apiKeyOption);
        if (key == null) {
            key = blankToNull(System.getenv("TENSORBOX_API_KEY"));
        }
        if (key == null) {
            throw CliException.usage("no API key: set TENSORBOX_API_KEY (export TENSORBOX_API_KEY=ask_...) or pass"
                    + " --api-key; a local platform writes its admin key to ~/.tensorbox/admin-key");
        }
        return key;
    }

    /** The SDK's connection for this invocation. */
    public static ConnectionConfig config() {
        String url = apiUrl();
        String key = apiKey();
        PlainHttp.installFor(url);
        ConnectionConfig.Builder b = ConnectionConfig.builder().apiUrl(url).apiKey(key);
        if (requestTimeout != null) {
            b.requestTimeout(requestTimeout);
        }
        return b.build();
    }

    static boolean debug() {
        String d = System.getenv("TENSORBOX_DEBUG");
        return d != null && !d.isBlank() && !d.equals("0") && !d.equalsIgnoreCase("false");
    }

    // ---- output

    /** Writes text to stdout as it is (UTF-8), at once. */
    public static void out(String s) {
        write(OUT, s);
    }

    public static void outLine(String s) {
        write(OUT, s + "\n");
    }

    /** Writes text to stderr as it is (UTF-8), at once. */
    public static void err(String s) {
        write(ERR, s);
    }

    public static void errLine(String s) {
        write(ERR, s + "\n");
    }

    private static void write(OutputStream os, String s) {
        if (s == null || s.isEmpty()) {
            return;
        }
        try {
            os.write(s.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new OutputClosedException(e);
        }
    }

    /**
     * Our stdout or stderr is gone (e.g. {@code | head -1}): the CLI stops quietly with 141
     * (128 + SIGPIPE), as a C program killed by SIGPIPE would, instead of reporting an error.
     */
    public static final class OutputClosedException extends UncheckedIOException {
        OutputClosedException(IOException cause) {
            super(cause);
        }
    }

    static void flush() {
        System.out.flush();
        System.err.flush();
    }

    /** Whether file descriptor {@code fd} (0, 1, 2) is a terminal, as far as we can tell. */
    public static boolean isTerminal(int fd) {
        try {
            Path target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd));
            String t = target.toString();
            return t.startsWith("/dev/pts/") || t.startsWith("/dev/tty") || t.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            // no /proc (macOS): the JDK's console is there when stdin and stdout are terminals
            java.io.Console c = System.console();
            return c != null;
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
