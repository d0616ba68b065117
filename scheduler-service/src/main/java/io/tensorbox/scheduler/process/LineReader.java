package io.tensorbox.scheduler.process;

import org.jboss.logging.Logger;

import java.io.OutputStream;
import java.util.function.Consumer;

/** Splits what a supervisor prints into lines; it prints ASCII only. */
final class LineReader extends OutputStream {
    private static final Logger LOG = Logger.getLogger(LineReader.class);

    private final Consumer<String> onLine;
    private final StringBuilder line = new StringBuilder();

    LineReader(Consumer<String> onLine) {
        this.onLine = onLine;
    }

    @Override
    public synchronized void write(int b) {
        if (b == '\n') {
            String complete = line.toString();
            line.setLength(0);
            try {
                onLine.accept(complete);
            } catch (RuntimeException e) {
                LOG.warnf("unreadable supervisor line '%s': %s", complete, e.getMessage());
            }
        } else {
            line.append((char) b);
        }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) {
            write(b[i]);
        }
    }
}
