package io.tensorbox.cli;

/**
 * A one-line progress indicator on stderr, redrawn in place while work goes on and erased at the
 * end; it shows only when stderr is a terminal (never in pipes, logs or tests).
 */
public final class Progress implements AutoCloseable {
    private static final String[] SPIN = {"|", "/", "-", "\\"};

    private final Thread thread;
    private final long start = System.nanoTime();
    private volatile String text;
    private volatile boolean done;

    private Progress(String text, boolean shown) {
        this.text = text;
        if (shown) {
            thread = Thread.ofPlatform().daemon().name("progress").start(this::draw);
        } else {
            thread = null;
        }
    }

    public static Progress start(String text) {
        return new Progress(text, Cli.isTerminal(2));
    }

    public void update(String text) {
        this.text = text;
    }

    private void draw() {
        int i = 0;
        while (!done) {
            double s = (System.nanoTime() - start) / 1e9;
            synchronized (this) {
                if (!done) {
                    Cli.err("\r\033[K" + SPIN[i++ % SPIN.length] + " " + text + String.format(" %.1fs", s));
                }
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        if (thread == null) {
            return;
        }
        synchronized (this) {
            done = true;
            Cli.err("\r\033[K");
        }
        thread.interrupt();
    }
}
