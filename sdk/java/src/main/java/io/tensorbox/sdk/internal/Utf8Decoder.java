package io.tensorbox.sdk.internal;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Decodes UTF-8 arriving in chunks that may split a character; malformed bytes become U+FFFD. */
public final class Utf8Decoder {
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    private ByteBuffer pending = ByteBuffer.allocate(0);

    /** A decoder with nothing pending. */
    public Utf8Decoder() {
    }

    /** Decodes a chunk; bytes of an unfinished character are kept for the next call. */
    public String decode(ByteBuffer chunk) {
        ByteBuffer in;
        if (pending.hasRemaining()) {
            in = ByteBuffer.allocate(pending.remaining() + chunk.remaining());
            in.put(pending).put(chunk).flip();
        } else {
            in = chunk;
        }
        CharBuffer out = CharBuffer.allocate((int) (in.remaining() * 1.1) + 4);
        decoder.decode(in, out, false);
        byte[] rest = new byte[in.remaining()];
        in.get(rest);
        pending = ByteBuffer.wrap(rest);
        out.flip();
        return out.toString();
    }

    /** The end of input: an unfinished character becomes U+FFFD. */
    public String finish() {
        CharBuffer out = CharBuffer.allocate(pending.remaining() + 4);
        decoder.decode(pending, out, true);
        decoder.flush(out);
        pending = ByteBuffer.allocate(0);
        out.flip();
        return out.toString();
    }
}
