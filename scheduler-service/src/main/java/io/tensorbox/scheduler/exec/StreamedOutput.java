package io.tensorbox.scheduler.exec;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayDeque;

/**
 * The bridge from a runtime's output callbacks to an HTTP response without a thread of its own:
 * the runtime writes chunks here, they go out as {@link Buffer}s when the response asks for them.
 * At most {@code limit} bytes wait for a slow reader; past that the runtime's write blocks, which
 * pauses the command in the sandbox (its pipe fills) until the reader catches up. The first item is
 * an empty buffer, so the response's status and headers leave at once, before any output.
 */
final class StreamedOutput extends OutputStream {

    private final long limit;
    private final ArrayDeque<Buffer> pending = new ArrayDeque<>();
    private long pendingBytes;
    private MultiEmitter<? super Buffer> emitter;
    private boolean ended;
    private Throwable failure;
    private boolean cancelled;
    private boolean draining;
    private Runnable onCancel = () -> { };

    StreamedOutput(long limit) {
        this.limit = limit;
        pending.add(Buffer.buffer());
    }

    /** Called once when the reader goes away (cancels) before the output ended. */
    synchronized void onCancel(Runnable action) {
        this.onCancel = action;
        if (cancelled) {
            action.run();
        }
    }

    Multi<Buffer> multi() {
        return Multi.createFrom().emitter(em -> {
            synchronized (this) {
                emitter = em;
            }
            em.onRequest(n -> drain());
            em.onCancellation(this::cancel);
            drain();
        });
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
        synchronized (this) {
            while (pendingBytes >= limit && !cancelled) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while the reader was slow");
                }
            }
            if (cancelled) {
                throw new IOException("the reader went away");
            }
            byte[] copy = new byte[len];
            System.arraycopy(b, off, copy, 0, len);
            pending.add(Buffer.buffer(copy));
            pendingBytes += len;
        }
        drain();
    }

    /** The command ended and all its output was written here. */
    void end() {
        synchronized (this) {
            ended = true;
        }
        drain();
    }

    /** The exec failed; the response is cut short rather than ended cleanly. */
    void fail(Throwable t) {
        synchronized (this) {
            ended = true;
            failure = t;
        }
        drain();
    }

    private void cancel() {
        Runnable action;
        synchronized (this) {
            if (cancelled) {
                return;
            }
            cancelled = true;
            pending.clear();
            pendingBytes = 0;
            notifyAll();
            action = onCancel;
        }
        action.run();
    }

    /** Emits what the reader asked for; re-entrant calls (a request made from inside an emit) fold into the running loop. */
    private void drain() {
        synchronized (this) {
            if (draining || emitter == null || cancelled) {
                return;
            }
            draining = true;
            try {
                while (!pending.isEmpty() && emitter.requested() > 0) {
                    Buffer next = pending.poll();
                    pendingBytes -= next.length();
                    notifyAll();
                    emitter.emit(next);
                }
                if (ended && pending.isEmpty()) {
                    cancelled = true; // nothing more may be written or emitted
                    if (failure != null) {
                        emitter.fail(failure);
                    } else {
                        emitter.complete();
                    }
                }
            } finally {
                draining = false;
            }
        }
    }
}
