package io.tensorbox.api.connect;

import io.vertx.core.buffer.Buffer;

/**
 * The framing of Connect streaming bodies: each message is one flags byte, a 4-byte big-endian length
 * and the message itself. Flag {@code 0x01} marks a compressed message (this service only speaks
 * {@code identity}), {@code 0x02} the end-of-stream message that closes every response stream.
 */
final class Envelope {
    static final int COMPRESSED = 0x01;
    static final int END_STREAM = 0x02;
    static final int PREFIX = 5;

    private Envelope() {
    }

    /**
     * The one request message of a server-streaming call. A body that starts like JSON is taken bare
     * (curl users and the seed's example send it so; an envelope starts with a flags byte, never
     * {@code '{'}); anything else must be exactly one uncompressed envelope.
     */
    static byte[] single(byte[] body) {
        int first = 0;
        while (first < body.length && isJsonSpace(body[first])) {
            first++;
        }
        if (first == body.length || body[first] == '{') {
            return body;
        }
        if (body.length < PREFIX) {
            throw ConnectError.invalid("The request body is neither JSON nor an enveloped message (a flags byte,"
                    + " a 4-byte length, the JSON).");
        }
        int flags = body[0] & 0xff;
        if ((flags & COMPRESSED) != 0) {
            throw new ConnectError(ConnectError.Code.unimplemented,
                    "Compressed messages are not supported; send them uncompressed (encoding 'identity').");
        }
        if (flags != 0) {
            throw ConnectError.invalid("The request envelope has flags 0x" + Integer.toHexString(flags)
                    + "; a request message has none set.");
        }
        long length = ((body[1] & 0xffL) << 24) | ((body[2] & 0xffL) << 16) | ((body[3] & 0xffL) << 8) | (body[4] & 0xffL);
        long following = body.length - PREFIX;
        if (length != following) {
            throw ConnectError.invalid("The request must be one enveloped message: its prefix announces " + length
                    + " bytes, " + following + " follow.");
        }
        byte[] message = new byte[(int) length];
        System.arraycopy(body, PREFIX, message, 0, message.length);
        return message;
    }

    /** One response frame. */
    static Buffer frame(int flags, byte[] message) {
        return Buffer.buffer(PREFIX + message.length).appendByte((byte) flags).appendInt(message.length)
                .appendBytes(message);
    }

    private static boolean isJsonSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r';
    }
}
