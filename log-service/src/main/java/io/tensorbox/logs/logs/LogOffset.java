package io.tensorbox.logs.logs;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where a read of the current log file starts ({@code ?offset=}): a byte position, or its end at the
 * time of the request, so that a client that reconnects, or one that only wants what comes next,
 * is not sent the whole file again. A position past the file's size means its end: the file may
 * have rolled since the caller learnt the position, and waiting for the new file to grow past it
 * would silently drop everything written before.
 *
 * @param bytes the byte position; meaningless when {@code end}
 * @param end   start at the end of the file as it is when the read starts
 */
record LogOffset(long bytes, boolean end) {

    /** Today's behaviour, and what an absent parameter means: the whole current file. */
    static final LogOffset START = new LogOffset(0, false);
    static final LogOffset END = new LogOffset(0, true);
    /** 2^53: the largest integer every JSON client (JavaScript's included) holds exactly. */
    static final long MAX_BYTES = 1L << 53;

    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,16}");

    /** Strictly {@code end} or a decimal integer from 0 to {@link #MAX_BYTES}; nothing else. */
    static Optional<LogOffset> parse(String value) {
        if (value.equals("end")) {
            return Optional.of(END);
        }
        if (!DIGITS.matcher(value).matches()) {
            return Optional.empty();
        }
        long bytes = Long.parseLong(value); // 16 digits cannot overflow a long
        return bytes > MAX_BYTES ? Optional.empty() : Optional.of(new LogOffset(bytes, false));
    }

    boolean isStart() {
        return !end && bytes == 0;
    }
}
