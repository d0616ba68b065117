package io.tensorbox.sdk;

/**
 * What {@link Files#write(String, byte[])} wrote.
 *
 * @param name the last path element
 * @param path the absolute path inside the sandbox
 * @param type always {@code file}
 * @param size the number of bytes written
 */
public record WriteInfo(String name, String path, String type, long size) {
}
