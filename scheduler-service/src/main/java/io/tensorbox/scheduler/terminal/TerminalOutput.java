package io.tensorbox.scheduler.terminal;

import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.Connection;
import io.vertx.core.buffer.Buffer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.OptionalLong;
import java.util.function.LongConsumer;

/**
 * The bridge from a terminal's output to its WebSocket, with no thread of its own: the runtime
 * writes here, one binary frame at a time is in flight, and what arrives meanwhile is coalesced
 * into the next frame. At most {@code limit} bytes wait for a slow client; past that the runtime's
 * write blocks, which pauses the pty reader and then the program itself (its terminal fills up), so
 * a {@code yes} costs a bounded amount of memory. The first line is the wrapper's header
 * ({@link TerminalScripts#WRAPPER}): it is parsed and never sent. After the last output comes a text
 * {@code {"type":"exit","exit_code":N}}, then a normal close.
 */
final class TerminalOutput extends OutputStream {

    /** Largest binary frame sent: what waited while the previous frame was on its way, up to this. */
    static final int MAX_FRAME = 65536;

    private final Connection connection;
    private final long limit;
    private final LongConsumer onSession;
    private final Runnable onBadHeader;

    private final ByteArrayOutputStream header = new ByteArrayOutputStream(TerminalScripts.HEADER_MAX);
    private boolean headerDone;
    private final ArrayDeque<byte[]> pending = new ArrayDeque<>();
    private long pendingBytes;
    private boolean sending;
    private boolean draining;
    private boolean redrain;
    /** The client is gone (or the connection failed): nothing more is sent, writes fail. */
    private boolean cancelled;
    private Integer exitCode;
    private CloseReason failure;

    TerminalOutput(Connection connection, long limit, LongConsumer onSession, Runnable onBadHeader) {
        this.connection = connection;
        this.limit = limit;
        this.onSession = onSession;
        this.onBadHeader = onBadHeader;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return;
        }
        OptionalLong session = null;
        synchronized (this) {
            if (cancelled) {
                throw new IOException("the terminal's client went away");
            }
            if (!headerDone) {
                int end = off + len;
                while (off < end && !headerDone) {
                    byte c = b[off++];
                    if (c == '\n') {
                        headerDone = true;
                        session = TerminalScripts.session(header.toString(StandardCharsets.US_ASCII));
                    } else if (header.size() >= TerminalScripts.HEADER_MAX) {
                        headerDone = true;
                        session = OptionalLong.empty();
                    } else {
                        header.write(c);
                    }
                }
                len = end - off;
            }
        }
        if (session != null) {
            if (session.isEmpty()) {
                onBadHeader.run();
                throw new IOException("the terminal did not start with the wrapper's header");
            }
            onSession.accept(session.getAsLong());
        }
        if (len == 0) {
            return;
        }
        synchronized (this) {
            while (pendingBytes >= limit && !cancelled) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while the terminal's client was slow");
                }
            }
            if (cancelled) {
                throw new IOException("the terminal's client went away");
            }
            byte[] copy = new byte[len];
            System.arraycopy(b, off, copy, 0, len);
            pending.add(copy);
            pendingBytes += len;
        }
        drain();
    }

    /** The command ended with {@code code} and all its output was written here: the exit message follows it. */
    void finish(int code) {
        synchronized (this) {
            if (exitCode == null && failure == null) {
                exitCode = code;
            }
        }
        drain();
    }

    /** The terminal failed: the connection is closed with {@code reason} once what was written is sent. */
    void fail(CloseReason reason) {
        synchronized (this) {
            if (exitCode == null && failure == null) {
                failure = reason;
            }
        }
        drain();
    }

    /** The client went away: drop what waits and fail every write from now on. */
    void cancel() {
        synchronized (this) {
            cancelled = true;
            pending.clear();
            pendingBytes = 0;
            notifyAll();
        }
    }

    synchronized long pendingBytes() {
        return pendingBytes;
    }

    /** Sends the next frame if none is in flight; re-entrant calls (a send that completed at once) fold into the loop. */
    private void drain() {
        synchronized (this) {
            if (draining) {
                redrain = true;
                return;
            }
            draining = true;
            try {
                do {
                    redrain = false;
                    if (cancelled || sending) {
                        break;
                    }
                    if (!pending.isEmpty()) {
                        sending = true;
                        Buffer frame = nextFrame();
                        notifyAll();
                        connection.sendBinary(frame).subscribe().with(ok -> sent(), this::broken);
                    } else if (exitCode != null || failure != null) {
                        sending = true;
                        cancelled = true; // nothing may be written or sent after the end
                        if (failure != null) {
                            connection.close(failure).subscribe().with(ok -> { }, this::broken);
                        } else {
                            connection.sendText("{\"type\":\"exit\",\"exit_code\":" + exitCode + "}")
                                    .chain(() -> connection.close())
                                    .subscribe().with(ok -> { }, this::broken);
                        }
                    }
                } while (redrain);
            } finally {
                draining = false;
            }
        }
    }

    private Buffer nextFrame() {
        byte[] first = pending.poll();
        pendingBytes -= first.length;
        if (pending.isEmpty() || first.length >= MAX_FRAME) {
            return Buffer.buffer(first);
        }
        Buffer frame = Buffer.buffer(Math.min(MAX_FRAME, first.length + (int) Math.min(pendingBytes, MAX_FRAME)));
        frame.appendBytes(first);
        while (!pending.isEmpty() && frame.length() + pending.peek().length <= MAX_FRAME) {
            byte[] next = pending.poll();
            pendingBytes -= next.length;
            frame.appendBytes(next);
        }
        return frame;
    }

    private void sent() {
        synchronized (this) {
            sending = false;
        }
        drain();
    }

    private void broken(Throwable t) {
        cancel();
    }
}
