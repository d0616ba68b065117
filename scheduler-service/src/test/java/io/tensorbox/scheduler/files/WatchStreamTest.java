package io.tensorbox.scheduler.files;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What a watch makes of the sandbox's output: diffs of snapshots, and an end at anything that does not parse. */
class WatchStreamTest {

    final List<String> events = new ArrayList<>();
    final WatchStream stream = new WatchStream("/w", 3, (name, data) -> events.add(name + " " + data));

    void feed(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        // one byte at a time: records may be cut anywhere by the transport
        for (byte x : b) {
            stream.write(new byte[] {x}, 0, 1);
        }
    }

    static String ev(String kind, String path, String entryType) {
        return kind + " {type=" + kind + ", path=" + path + ", entry_type=" + entryType + "}";
    }

    @Test
    void snapshotsBecomeEvents() throws Exception {
        feed("ok\n");
        assertThat(stream.header().get()).isEqualTo("ok");
        feed("S\0f\0" + "1\0" + "3\0" + "10.5\0a\0d\0" + "2\0" + "0\0" + "10\0dir\0E\0");
        assertThat(events).containsExactly("ready {}");
        events.clear();
        // a renamed to b (same inode), dir's mtime moved (no event), c created
        feed("S\0f\0" + "1\0" + "3\0" + "10.5\0b\0d\0" + "2\0" + "0\0" + "11\0dir\0f\0" + "7\0" + "0\0" + "12\0c\0E\0");
        assertThat(events).containsExactly(
                ev("renamed", "/w/a", "file"),
                ev("created", "/w/b", "file"),
                ev("created", "/w/c", "file"));
        events.clear();
        feed("S\0f\0" + "1\0" + "4\0" + "13\0b\0E\0");
        assertThat(events).containsExactly(
                ev("removed", "/w/c", "file"),
                ev("removed", "/w/dir", "dir"),
                ev("written", "/w/b", "file"));
    }

    @Test
    void hostileOutputEndsTheWatch() {
        boolean[] ended = {false};
        stream.onFailure(() -> ended[0] = true);
        feed("ok\nS\0f\0" + "1\0" + "3\0" + "10\0../../etc/passwd\0E\0");
        assertThat(events).hasSize(1);
        assertThat(events.getFirst()).startsWith("error ").contains("runtime_unavailable");
        assertThat(ended[0]).isTrue();
        feed("S\0E\0");
        assertThat(events).hasSize(1);
    }

    @Test
    void moreEntriesThanAllowedEndTheWatch() {
        feed("ok\nS\0");
        for (int i = 0; i < 4; i++) {
            feed("f\0" + i + "\0" + "0\0" + "1\0n" + i + "\0");
        }
        assertThat(events).hasSize(1);
        assertThat(events.getFirst()).contains("too_many_entries");
    }
}
