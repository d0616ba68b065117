package io.tensorbox.sdk.internal;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * An incremental parser of {@code text/event-stream} (the WHATWG server-sent events format). Bytes
 * are fed as they arrive, in chunks of any size (a chunk may end inside a line or inside a UTF-8
 * sequence); complete events are delivered to the listener. Lines end with LF, CR or CRLF; fields
 * other than {@code event}, {@code data} and {@code id} are ignored; {@code retry} is ignored too.
 * Not thread-safe: feed it from one thread at a time.
 */
public final class SseParser {

    /** Receives parsed events. */
    @FunctionalInterface
    public interface Listener {
        /**
         * One event.
         *
         * @param event the event name ({@code message} when the event had no {@code event:} field)
         * @param data  the data lines joined with LF
         * @param id    the last event id seen, or {@code null}
         */
        void onEvent(String event, String data, String id);
    }

    private final Listener listener;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
    private boolean lastWasCr;
    private String event;
    private StringBuilder data;
    private String lastId;

    /** A parser that delivers to {@code listener}. */
    public SseParser(Listener listener) {
        this.listener = listener;
    }

    /** Feeds a chunk of the stream. */
    public void feed(ByteBuffer buf) {
        while (buf.hasRemaining()) {
            byte b = buf.get();
            if (b == '\n') {
                if (lastWasCr) {
                    lastWasCr = false; // the LF of a CRLF
                    continue;
                }
                endLine();
            } else if (b == '\r') {
                lastWasCr = true;
                endLine();
            } else {
                lastWasCr = false;
                line.write(b);
            }
        }
    }

    /** Feeds a chunk of the stream. */
    public void feed(byte[] bytes) {
        feed(ByteBuffer.wrap(bytes));
    }

    /** The stream ended: an event not terminated by a blank line is discarded, as the format says. */
    public void finish() {
        line.reset();
        event = null;
        data = null;
    }

    private void endLine() {
        String text = line.toString(StandardCharsets.UTF_8);
        line.reset();
        if (text.isEmpty()) {
            dispatch();
            return;
        }
        if (text.charAt(0) == ':') {
            return; // comment
        }
        int colon = text.indexOf(':');
        String field;
        String value;
        if (colon < 0) {
            field = text;
            value = "";
        } else {
            field = text.substring(0, colon);
            value = text.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
        }
        switch (field) {
            case "event":
                event = value;
                break;
            case "data":
                if (data == null) {
                    data = new StringBuilder(value);
                } else {
                    data.append('\n').append(value);
                }
                break;
            case "id":
                if (value.indexOf('\0') < 0) {
                    lastId = value;
                }
                break;
            default:
                break; // unknown fields (retry, content-type, ...) are ignored
        }
    }

    private void dispatch() {
        if (data == null) {
            event = null; // no data: nothing to dispatch
            return;
        }
        String name = event == null || event.isEmpty() ? "message" : event;
        String payload = data.toString();
        event = null;
        data = null;
        listener.onEvent(name, payload, lastId);
    }
}
