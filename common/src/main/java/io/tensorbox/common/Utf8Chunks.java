package io.tensorbox.common;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Turns a stream of byte chunks into text chunk by chunk, for the runtime API's JSON-string output: a
 * UTF-8 character split between two chunks is held back until its end arrives, and bytes that are not
 * UTF-8 become U+FFFD. One instance per stream; not thread-safe.
 */
public final class Utf8Chunks {
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    private byte[] held = new byte[0];

    /** The text these bytes complete (possibly empty). */
    public String next(byte[] chunk, int offset, int length) {
        ByteBuffer in = ByteBuffer.allocate(held.length + length);
        in.put(held).put(chunk, offset, length).flip();
        CharBuffer out = CharBuffer.allocate(in.remaining() + 1);
        decoder.decode(in, out, false);
        held = new byte[in.remaining()];
        in.get(held);
        return out.flip().toString();
    }

    public String next(byte[] chunk) {
        return next(chunk, 0, chunk.length);
    }

    /** What is left at the end of the stream: an incomplete character becomes U+FFFD. */
    public String end() {
        ByteBuffer in = ByteBuffer.wrap(held);
        CharBuffer out = CharBuffer.allocate(held.length + 2);
        decoder.decode(in, out, true);
        decoder.flush(out);
        held = new byte[0];
        decoder.reset();
        return out.flip().toString();
    }
}
