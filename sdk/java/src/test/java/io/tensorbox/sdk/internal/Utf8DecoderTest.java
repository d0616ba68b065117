package io.tensorbox.sdk.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class Utf8DecoderTest {
    @Test
    void keepsSplitCharactersForTheNextChunk() {
        byte[] bytes = "a\u20acb\uD83D\uDE00".getBytes(StandardCharsets.UTF_8);
        Utf8Decoder d = new Utf8Decoder();
        StringBuilder out = new StringBuilder();
        for (byte b : bytes) {
            out.append(d.decode(ByteBuffer.wrap(new byte[] {b})));
        }
        out.append(d.finish());
        assertThat(out.toString()).isEqualTo("a\u20acb\uD83D\uDE00");
    }

    @Test
    void anUnfinishedCharacterAtTheEndBecomesAReplacement() {
        Utf8Decoder d = new Utf8Decoder();
        assertThat(d.decode(ByteBuffer.wrap(new byte[] {'x', (byte) 0xE2, (byte) 0x82}))).isEqualTo("x");
        assertThat(d.finish()).isEqualTo("\uFFFD");
    }
}
