package io.tensorbox.sdk;

import java.time.Instant;

/**
 * A file, directory or symlink in a sandbox ({@link Files#getInfo}, {@link Files#list}, {@link Files#rename}).
 *
 * @param name          the last path element
 * @param path          the absolute path inside the sandbox
 * @param type          {@code file}, {@code dir} or {@code symlink}
 * @param size          the size in bytes
 * @param mode          the permission bits as an octal string, e.g. {@code "0644"}
 * @param permissions   the {@code ls -l} form, e.g. {@code "-rw-r--r--"}
 * @param owner         the owning user
 * @param group         the owning group
 * @param modifiedAt    the time of the last modification
 * @param symlinkTarget where a symlink points; {@code null} for other entries
 */
public record EntryInfo(String name, String path, String type, long size, String mode, String permissions,
        String owner, String group, Instant modifiedAt, String symlinkTarget) {

    /** Whether this is a directory. */
    public boolean isDir() {
        return "dir".equals(type);
    }
}
