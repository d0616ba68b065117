package io.tensorbox.scheduler.ports;

import io.tensorbox.scheduler.process.LineReader;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The watcher's output is hostile: only whole, well-formed frames become port sets, decoded in Java. */
class PortSnapshotsTest {

    private static List<List<ListeningPort>> read(String output) {
        List<List<ListeningPort>> sets = new ArrayList<>();
        LineReader lines = new LineReader(new PortSnapshots("sbx_test", sets::add));
        lines.write(output.getBytes(StandardCharsets.UTF_8), 0, output.getBytes(StandardCharsets.UTF_8).length);
        return sets;
    }

    @Test
    void addressesAndPortsAreDecodedFromTheKernelsHex() {
        List<List<ListeningPort>> sets = read("""
                tbx-ports 6
                p 4 00000000:0BB8 42
                p 4 0100007F:0BB9 43
                p 4 0302010A:1F90 0
                p 6 00000000000000000000000000000000:0BBA 44
                p 6 00000000000000000000000001000000:0BBB 45
                p 6 0000000000000000FFFF00000100007F:0BBC 46
                tbx-ports-end
                """);
        assertThat(sets).containsExactly(List.of(
                new ListeningPort(3000, "0.0.0.0", 42),
                new ListeningPort(3001, "127.0.0.1", 43),
                new ListeningPort(8080, "10.1.2.3", 0),
                new ListeningPort(3002, "::", 44),
                new ListeningPort(3003, "::1", 45),
                new ListeningPort(3004, "::ffff:127.0.0.1", 46)));
    }

    @Test
    void ipv6TextIsCanonical() {
        // fe80::1:2 (words in host order), 2001:db8:0:0:1:0:0:1 -> 2001:db8::1:0:0:1
        assertThat(PortSnapshots.ipv6("000080FE000000000000000002000100")).isEqualTo("fe80::1:2");
        assertThat(PortSnapshots.ipv6("B80D0120000000000000010001000000")).isEqualTo("2001:db8::1:0:0:1");
        assertThat(PortSnapshots.ipv6("B80D0120010000000100000001000000")).isEqualTo("2001:db8:0:1:0:1:0:1");
    }

    @Test
    void anEmptySetIsASet() {
        assertThat(read("tbx-ports 0\ntbx-ports-end\n")).containsExactly(List.of());
    }

    @Test
    void theSamePortAndAddressTwiceIsOneEntry() {
        assertThat(read("tbx-ports 2\np 4 00000000:0BB8 42\np 4 00000000:0BB8 43\ntbx-ports-end\n"))
                .containsExactly(List.of(new ListeningPort(3000, "0.0.0.0", 42)));
    }

    @Test
    void aFrameWithoutItsEndIsNeverASet() {
        assertThat(read("tbx-ports 1\np 4 00000000:0BB8 42\n")).isEmpty();
        assertThat(read("tbx-ports 1\np 4 00000000:0BB8 42\ntbx-ports-end")).as("a partial last line").isEmpty();
    }

    @Test
    void malformedFramesAreDroppedWholeAndTheNextGoodOneCounts() {
        String good = "tbx-ports 1\np 4 00000000:0BB8 42\ntbx-ports-end\n";
        for (String bad : List.of(
                "tbx-ports 2\np 4 00000000:0BB8 42\ntbx-ports-end\n",                 // fewer than announced
                "tbx-ports 1\np 4 00000000:0BB8 42\np 4 00000000:0BB9 42\ntbx-ports-end\n", // more than announced
                "tbx-ports 1\np 4 00000000:0bb8 42\ntbx-ports-end\n",                 // lower-case hex
                "tbx-ports 1\np 4 0000000:0BB8 42\ntbx-ports-end\n",                  // short address
                "tbx-ports 1\np 6 00000000:0BB8 42\ntbx-ports-end\n",                 // v4 address as v6
                "tbx-ports 1\np 4 00000000:0000 42\ntbx-ports-end\n",                 // port 0
                "tbx-ports 1\np 4 00000000:0BB8 -1\ntbx-ports-end\n",                 // negative pid
                "tbx-ports 1\np 4 00000000:0BB8 9999999\ntbx-ports-end\n",            // pid past pid_max
                "tbx-ports 1\np 4 00000000:0BB8 42 extra\ntbx-ports-end\n",           // trailing field
                "tbx-ports 1\n p 4 00000000:0BB8 42\ntbx-ports-end\n",                // leading space
                "tbx-ports 01\np 4 00000000:0BB8 42\ntbx-ports-end\n",                // leading zero count
                "tbx-ports 1\np 4 00000000:0BB8 42\r\ntbx-ports-end\n",               // carriage return
                "tbx-ports 1\nhello\np 4 00000000:0BB8 42\ntbx-ports-end\n")) {       // junk inside
            assertThat(read(bad)).as(bad).isEmpty();
            assertThat(read(bad + good)).as(bad + " then a good frame").hasSize(1);
        }
    }

    @Test
    void oversizedOutputIsRefused() {
        StringBuilder many = new StringBuilder("tbx-ports " + (PortSnapshots.MAX_PORTS + 1) + "\n");
        for (int i = 1; i <= PortSnapshots.MAX_PORTS + 1; i++) {
            many.append(String.format("p 4 00000000:%04X 1%n", i));
        }
        many.append("tbx-ports-end\n");
        assertThat(read(many.toString())).as("more sockets than a frame may hold").isEmpty();
        assertThat(read("tbx-ports 99999999\ntbx-ports-end\n")).isEmpty();

        String longLine = "p 4 00000000:0BB8 " + "1".repeat(100_000) + "\n";
        assertThat(read("tbx-ports 1\n" + longLine + "tbx-ports-end\n")).as("an overlong line never completes a frame").isEmpty();
    }

    @Test
    void linesOutsideAFrameAreIgnored() {
        assertThat(read("p 4 00000000:0BB8 42\ntbx-ports-end\nnoise\ntbx-ports 0\ntbx-ports-end\n")).containsExactly(List.of());
    }
}
