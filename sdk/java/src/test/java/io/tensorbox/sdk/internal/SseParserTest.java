package io.tensorbox.sdk.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseParserTest {
    private final List<String> events = new ArrayList<>();
    private final SseParser parser = new SseParser((e, d, id) -> events.add(e + "|" + d + "|" + id));

    private void feedBytewise(String s) {
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            parser.feed(new byte[] {b});
        }
    }

    @Test
    void parsesTheServersEventsIgnoringUnknownFields() {
        parser.feed(("content-type:text/plain\nevent:start\ndata:{\"pid\":4493}\n\n"
                + "content-type:text/plain\nevent:stdout\ndata:\"hi\\n\"\n\n").getBytes(StandardCharsets.UTF_8));
        assertThat(events).containsExactly("start|{\"pid\":4493}|null", "stdout|\"hi\\n\"|null");
    }

    @Test
    void chunksMaySplitLinesAndUtf8Sequences() {
        feedBytewise("event: stdout\r\ndata: \"h\u00e9 \u20ac \uD83D\uDE00\"\r\n\r\nevent:exit\rdata:{}\r\r");
        assertThat(events).containsExactly("stdout|\"h\u00e9 \u20ac \uD83D\uDE00\"|null", "exit|{}|null");
    }

    @Test
    void joinsDataLinesAndKeepsTheLastId() {
        parser.feed(": a comment\nid: 7\ndata: one\ndata:two\ndata\n\ndata: x\n\n".getBytes(StandardCharsets.UTF_8));
        assertThat(events).containsExactly("message|one\ntwo\n|7", "message|x|7");
    }

    @Test
    void anEventWithoutDataOrWithoutItsBlankLineIsNotDispatched() {
        parser.feed("event: ping\n\nevent: stdout\ndata: \"cut\"".getBytes(StandardCharsets.UTF_8));
        parser.finish();
        assertThat(events).isEmpty();
    }
}
