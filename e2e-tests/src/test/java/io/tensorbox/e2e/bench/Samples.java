package io.tensorbox.e2e.bench;

import java.util.Arrays;

/** Timed samples of one measure, and their percentiles. */
final class Samples {
    private Samples() {
    }

    interface Sample {
        long nanos() throws Exception;
    }

    /** Runs {@code warmup} untimed samples, then returns {@code iterations} timings, sorted. */
    static long[] take(int warmup, int iterations, Sample sample) throws Exception {
        for (int i = 0; i < warmup; i++) {
            sample.nanos();
        }
        long[] values = new long[iterations];
        for (int i = 0; i < iterations; i++) {
            values[i] = sample.nanos();
        }
        Arrays.sort(values);
        return values;
    }

    static double percentileMs(long[] sorted, double p) {
        int index = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
    }
}
