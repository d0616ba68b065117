package io.tensorbox.sdk;

/**
 * One change seen by {@link Files#watchDir}.
 *
 * @param type      {@code created}, {@code written}, {@code removed} or {@code renamed}
 * @param path      the absolute path of what changed
 * @param name      the path relative to the watched directory
 * @param entryType {@code file}, {@code dir} or {@code symlink}
 */
public record FilesystemEvent(String type, String path, String name, String entryType) {
}
