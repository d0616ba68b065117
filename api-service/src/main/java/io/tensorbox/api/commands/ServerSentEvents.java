package io.tensorbox.api.commands;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the event stream of another TensorBox service chunk by chunk: the {@code event:} and
 * {@code data:} fields of the text/event-stream format, one event per blank line. Chunks may end in
 * the middle of a line (or of a UTF-8 character: lines are decoded whole). A line longer than
 * {@link #MAX_LINE} bytes fails the stream instead of growing without bound.
 */
public final class ServerSentEvents {
    static final int MAX_LINE = 8 * 1024 * 1024;

    public record Event(String name, String data) {
    }

    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private String name;
    private StringBuilder data;

    /** The events completed by this chunk, in order. */
    public List<Event> feed(byte[] chunk) {
        List<Event> done = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < chunk.length; i++) {
            if (chunk[i] == '\n') {
                line.write(chunk, start, i - start);
                start = i + 1;
                String text = line.toString(StandardCharsets.UTF_8);
                line.reset();
                field(text.endsWith("\r") ? text.substring(0, text.length() - 1) : text, done);
            }
        }
        line.write(chunk, start, chunk.length - start);
        if (line.size() > MAX_LINE) {
            throw new IllegalStateException("an event line is longer than " + MAX_LINE + " bytes");
        }
        return done;
    }

    private void field(String text, List<Event> done) {
        if (text.isEmpty()) {
            if (data != null) {
                done.add(new Event(name == null ? "message" : name, data.toString()));
            }
            name = null;
            data = null;
            return;
        }
        if (text.startsWith(":")) {
            return; // a comment (keep-alive)
        }
        int colon = text.indexOf(':');
        String field = colon < 0 ? text : text.substring(0, colon);
        String value = colon < 0 ? "" : text.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        switch (field) {
            case "event" -> name = value;
            case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
            default -> {
            }
        }
    }
}
