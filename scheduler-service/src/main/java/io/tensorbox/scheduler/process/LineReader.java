package io.tensorbox.scheduler.process;

import org.jboss.logging.Logger;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Splits what comes out of a sandbox into lines. What a sandbox writes is hostile: a line longer than
 * {@link #MAX_LINE_BYTES} is dropped (its bytes are skipped up to the next newline, never buffered),
 * bytes are decoded as UTF-8 with replacement, and a consumer that throws costs only its line.
 */
public final class LineReader extends OutputStream {
    private static final Logger LOG = Logger.getLogger(LineReader.class);

    /** Longer than any line the supervisor writes (a failure reason naming a path is the longest). */
    static final int MAX_LINE_BYTES = 8192;

    private final Consumer<String> onLine;
    private final byte[] line = new byte[MAX_LINE_BYTES];
    private int length;
    private boolean overlong;
    private final AtomicLong lines = new AtomicLong();

    public LineReader(Consumer<String> onLine) {
        this.onLine = onLine;
    }

    /** Lines ended so far, dropped ones included: where the next line starts. */
    long lines() {
        return lines.get();
    }

    @Override
    public synchronized void write(int b) {
        if (b == '\n') {
            endLine();
        } else if (length < MAX_LINE_BYTES) {
            line[length++] = (byte) b;
        } else {
            overlong = true;
        }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        int end = off + len;
        int i = off;
        while (i < end) {
            int newline = indexOf(b, i, end);
            int stop = newline < 0 ? end : newline;
            int room = MAX_LINE_BYTES - length;
            int take = Math.min(room, stop - i);
            System.arraycopy(b, i, line, length, take);
            length += take;
            if (stop - i > take) {
                overlong = true;
            }
            if (newline < 0) {
                return;
            }
            endLine();
            i = newline + 1;
        }
    }

    private void endLine() {
        lines.incrementAndGet();
        if (overlong) {
            LOG.warnf("dropped a line longer than %d bytes from a sandbox, starting '%s'", MAX_LINE_BYTES,
                    printable(new String(line, 0, Math.min(length, 80), StandardCharsets.UTF_8)));
        } else {
            String complete = new String(line, 0, length, StandardCharsets.UTF_8);
            try {
                onLine.accept(complete);
            } catch (RuntimeException e) {
                LOG.warnf("dropped an unreadable line from a sandbox '%s': %s", printable(complete), e.toString());
            }
        }
        length = 0;
        overlong = false;
    }

    private static int indexOf(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** A hostile line fit for a log line: at most 200 characters, control characters escaped. */
    static String printable(String s) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        for (; i < s.length() && out.length() < 200; i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c)) {
                out.append(String.format("\\x%02x", (int) c));
            } else {
                out.append(c);
            }
        }
        return i < s.length() ? out.append("...").toString() : out.toString();
    }
}
