package io.tensorbox.scheduler.commands;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;
import org.jboss.logging.Logger;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The events of one run, from the exec's two output streams to a back-pressured {@link Multi} without
 * a thread of its own. The first line of stdout is the header {@link CommandLines#RUN} prints before
 * the command starts: it becomes the {@code start} event (or the one {@code error} event of a refused
 * command) and is never shown as output. stderr written before the header was read is held back (a
 * pod's exec may deliver the streams out of order), so {@code start} always comes first. Output is
 * decoded as UTF-8 per stream across chunks (a character split between two writes survives), and each
 * write becomes one {@code stdout}/{@code stderr} event as soon as it arrives.
 * <p>
 * At most {@code limit} characters wait for a slow reader; past that the runtime's write blocks, which
 * pauses the command in the sandbox until the reader catches up.
 */
final class RunOutput {

    private static final Logger LOG = Logger.getLogger(RunOutput.class);
    private static final int HEADER_MAX = 96;
    /** stderr held until the header is read; beyond this it is dropped (only the wrapper writes there then). */
    private static final int EARLY_STDERR_MAX = 65_536;
    private static final int MAX_PID = 1 << 22;
    private static final Pattern STARTED = Pattern.compile(CommandLines.STARTED + " ([1-9][0-9]{0,6})");
    private static final Pattern REFUSED = Pattern.compile(CommandLines.REFUSED + " (invalid_cwd|invalid_user|exec_failed) ([a-z_]{1,32})");

    /** The refusal a header names, as the caller should read it. */
    interface Refusals {
        /**
         * @param detail what the sandbox said besides (printable, bounded), or empty
         * @return the {@code error} event's data for {@code tbx-error CODE REASON}
         */
        String describe(String code, String reason, String detail);
    }

    private enum Phase { HEADER, STARTED, REFUSED }

    private final long limit;
    private final Refusals refusals;
    private final ArrayDeque<RunEvent> pending = new ArrayDeque<>();
    private final ByteArrayOutputStream header = new ByteArrayOutputStream();
    private final ByteArrayOutputStream earlyStderr = new ByteArrayOutputStream();
    private final Utf8 outText = new Utf8();
    private final Utf8 errText = new Utf8();
    private final OutputStream stdout = new Stream(true);
    private final OutputStream stderr = new Stream(false);
    private Phase phase = Phase.HEADER;
    private long pendingChars;
    private MultiEmitter<? super RunEvent> emitter;
    private boolean ended;
    private Throwable failure;
    private boolean cancelled;
    private boolean draining;
    private Runnable onCancel = () -> { };
    private Runnable onRefused = () -> { };
    private volatile Runnable onStarted = () -> { };

    RunOutput(long limit, Refusals refusals) {
        this.limit = limit;
        this.refusals = refusals;
    }

    OutputStream stdout() {
        return stdout;
    }

    OutputStream stderr() {
        return stderr;
    }

    /** Called once when the header said the command started; set before any output is written. */
    void onStarted(Runnable action) {
        this.onStarted = action;
    }

    /** Called once when the reader goes away before the run ended. */
    synchronized void onCancel(Runnable action) {
        this.onCancel = action;
        if (cancelled && !ended) {
            action.run();
        }
    }

    /**
     * Called once the header refused the command (or could not be read): the exec is of no more use,
     * and a command behind an unreadable header must not go on unseen.
     */
    void onRefused(Runnable action) {
        synchronized (this) {
            this.onRefused = action;
            if (phase != Phase.REFUSED) {
                return;
            }
        }
        action.run(); // the header was read before the action was known
    }

    /** Whether the header said the command started. */
    synchronized boolean started() {
        return phase == Phase.STARTED;
    }

    Multi<RunEvent> events() {
        return Multi.createFrom().emitter(em -> {
            synchronized (this) {
                emitter = em;
            }
            em.onRequest(n -> drain());
            em.onCancellation(this::cancel);
            drain();
        });
    }

    /**
     * The exec ended with {@code exitData} (the {@code exit} event's data) once all its output was
     * written here. A command that never printed its header ends with an {@code error} event instead,
     * unless its deadline killed it first ({@code timedOut}: a deadline shorter than the time the
     * sandbox took to start it), which is a timed-out run with no output and no {@code start}.
     */
    void exited(int status, String exitData, boolean timedOut) {
        synchronized (this) {
            switch (phase) {
                case STARTED -> {
                    flush(outText, "stdout");
                    flush(errText, "stderr");
                    add(new RunEvent("exit", exitData));
                }
                case HEADER -> add(timedOut ? new RunEvent("exit", exitData)
                        : new RunEvent("error", refusals.describe("exec_failed", "no_header",
                                "exit status " + status + " " + printable(earlyStderr.toString(StandardCharsets.UTF_8)))));
                case REFUSED -> {
                }
            }
            ended = true;
        }
        drain();
    }

    /**
     * The exec failed. Once the command started, the stream is cut (the caller must not read an exit
     * that did not happen); before, it ends with an {@code error} event.
     */
    void failed(Throwable cause) {
        synchronized (this) {
            if (phase == Phase.STARTED) {
                failure = cause;
            } else if (phase == Phase.HEADER) {
                add(new RunEvent("error", refusals.describe("exec_failed", "runtime", printable(String.valueOf(cause.getMessage())))));
            }
            ended = true;
        }
        drain();
    }

    private void write(boolean out, byte[] b, int off, int len) throws IOException {
        Runnable refused = null;
        synchronized (this) {
            if (cancelled) {
                throw new IOException("the reader went away");
            }
            int end = off + len;
            int i = off;
            if (out && phase == Phase.HEADER) {
                while (i < end && b[i] != '\n' && header.size() < HEADER_MAX) {
                    header.write(b[i++]);
                }
                if (i == end && header.size() < HEADER_MAX) {
                    return; // the rest of the header is still to come
                }
                if (i < end && b[i] == '\n') {
                    i++;
                    readHeader();
                } else {
                    header.write('?');
                    readHeader();
                }
                if (phase == Phase.REFUSED) {
                    refused = onRefused;
                }
            } else if (!out && phase == Phase.HEADER) {
                int room = EARLY_STDERR_MAX - earlyStderr.size();
                if (len > room) {
                    LOG.debugf("dropped %d bytes of stderr written before the header", len - Math.max(0, room));
                }
                earlyStderr.write(b, off, Math.max(0, Math.min(room, len)));
                return;
            }
            if (phase == Phase.STARTED && i < end) {
                String text = (out ? outText : errText).decode(b, i, end - i);
                if (!text.isEmpty()) {
                    awaitRoom();
                    add(new RunEvent(out ? "stdout" : "stderr", quote(text)));
                }
            }
        }
        if (refused != null) {
            refused.run();
        }
        drain();
    }

    /** Reads the header line: {@code start}, a refusal, or anything else, which is no header. */
    private void readHeader() {
        String line = header.toString(StandardCharsets.ISO_8859_1);
        Matcher m;
        if ((m = STARTED.matcher(line)).matches() && Integer.parseInt(m.group(1)) <= MAX_PID) {
            phase = Phase.STARTED;
            add(new RunEvent("start", "{\"pid\":" + Integer.parseInt(m.group(1)) + "}"));
            onStarted.run();
            if (earlyStderr.size() > 0) {
                byte[] early = earlyStderr.toByteArray();
                earlyStderr.reset();
                String text = errText.decode(early, 0, early.length);
                if (!text.isEmpty()) {
                    add(new RunEvent("stderr", quote(text)));
                }
            }
        } else if ((m = REFUSED.matcher(line)).matches()) {
            phase = Phase.REFUSED;
            add(new RunEvent("error", refusals.describe(m.group(1), m.group(2), "")));
        } else {
            phase = Phase.REFUSED;
            LOG.warnf("a run answered an unreadable header '%s'; ending it", printable(line));
            add(new RunEvent("error", refusals.describe("exec_failed", "unreadable_header", "")));
        }
        // a refusal ends the run: whatever follows is not the command's output
    }

    private void awaitRoom() throws InterruptedIOException {
        while (pendingChars >= limit && !cancelled) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while the reader was slow");
            }
        }
    }

    private void flush(Utf8 text, String name) {
        String rest = text.finish();
        if (!rest.isEmpty()) {
            add(new RunEvent(name, quote(rest)));
        }
    }

    private void add(RunEvent event) {
        if (cancelled) {
            return;
        }
        pending.add(event);
        pendingChars += event.data().length();
    }

    private void cancel() {
        Runnable action;
        synchronized (this) {
            if (cancelled) {
                return;
            }
            cancelled = true;
            pending.clear();
            pendingChars = 0;
            notifyAll();
            if (ended) {
                return;
            }
            action = onCancel;
        }
        action.run();
    }

    /** Emits what the reader asked for; a request made from inside an emit folds into the running loop. */
    private void drain() {
        synchronized (this) {
            if (draining || emitter == null || cancelled) {
                return;
            }
            draining = true;
            try {
                while (!pending.isEmpty() && emitter.requested() > 0) {
                    RunEvent next = pending.poll();
                    pendingChars -= next.data().length();
                    notifyAll();
                    emitter.emit(next);
                }
                if (ended && pending.isEmpty() && !cancelled) {
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

    static String quote(String text) {
        return '"' + new String(JsonStringEncoder.getInstance().quoteAsString(text)) + '"';
    }

    /** Text from the sandbox fit for a message: printable, at most 500 characters. */
    static String printable(String raw) {
        String text = raw.strip().codePoints().map(c -> Character.isISOControl(c) ? ' ' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        return text.length() > 500 ? text.substring(0, 500) + "..." : text;
    }

    /** One of the exec's output streams. */
    private final class Stream extends OutputStream {
        private final boolean out;

        Stream(boolean out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (len > 0) {
                RunOutput.this.write(out, b, off, len);
            }
        }
    }

    /**
     * A UTF-8 decoder that keeps an incomplete character at the end of a chunk for the next one;
     * malformed bytes become U+FFFD.
     */
    static final class Utf8 {
        private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        private byte[] carry = new byte[0];

        String decode(byte[] b, int off, int len) {
            ByteBuffer in;
            if (carry.length == 0) {
                in = ByteBuffer.wrap(b, off, len);
            } else {
                in = ByteBuffer.allocate(carry.length + len).put(carry).put(b, off, len).flip();
            }
            CharBuffer chars = CharBuffer.allocate(in.remaining() + 1);
            decoder.decode(in, chars, false);
            carry = new byte[in.remaining()];
            in.get(carry);
            return chars.flip().toString();
        }

        /** What is left at the end of the stream: an incomplete character becomes U+FFFD. */
        String finish() {
            CharBuffer chars = CharBuffer.allocate(carry.length + 2);
            decoder.decode(ByteBuffer.wrap(carry), chars, true);
            decoder.flush(chars);
            carry = new byte[0];
            decoder.reset();
            return chars.flip().toString();
        }
    }
}
