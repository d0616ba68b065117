package io.tensorbox.cli;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/** Unix seconds as people read them: local time plus how long ago or ahead. */
public final class Times {
    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private Times() {
    }

    /** {@code 2026-11-30 12:00:00} in the local zone; empty for 0 (not yet). */
    public static String absolute(long epochSeconds) {
        if (epochSeconds <= 0) {
            return "";
        }
        return FORMAT.format(Instant.ofEpochSecond(epochSeconds).atZone(ZoneId.systemDefault()));
    }

    /** {@code 3m ago} or {@code in 57m}; empty for 0. */
    public static String relative(long epochSeconds) {
        if (epochSeconds <= 0) {
            return "";
        }
        long d = epochSeconds - Instant.now().getEpochSecond();
        String span = span(Math.abs(d));
        return d > 0 ? "in " + span : span + " ago";
    }

    public static String both(long epochSeconds) {
        return epochSeconds <= 0 ? "" : absolute(epochSeconds) + " (" + relative(epochSeconds) + ")";
    }

    static String span(long s) {
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return (s / 60) + "m";
        }
        if (s < 86400) {
            long m = (s % 3600) / 60;
            return (s / 3600) + "h" + (m == 0 ? "" : m + "m");
        }
        return (s / 86400) + "d" + ((s % 86400) / 3600 == 0 ? "" : (s % 86400) / 3600 + "h");
    }
}
