package io.tensorbox.api.files;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.List;

/**
 * An entry of a sandbox's filesystem as the files API answers it (docs/FILES.md). The relay hands on
 * the scheduler's JSON as it is; this type documents it (OpenAPI) and is what the Connect service reads.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.ALWAYS)
@Schema(name = "FileEntry", description = "A file, directory or symbolic link in the sandbox.")
public record FileEntry(
        @Schema(description = "The last path segment.") String name,
        @Schema(description = "Absolute path inside the sandbox.") String path,
        @Schema(enumeration = {"file", "dir", "symlink"}) String type,
        @Schema(description = "Bytes (of the link itself for a symlink).") long size,
        @Schema(description = "Permission bits in octal, e.g. \"0644\".") String mode,
        @Schema(description = "As ls shows them, e.g. \"-rw-r--r--\".") String permissions,
        String owner,
        String group,
        @Schema(description = "RFC 3339, UTC, with milliseconds.") String modifiedAt,
        @Schema(description = "Where a symlink points; null for anything else.", nullable = true) String symlinkTarget) {

    /** {@code GET {runtime_url}/files/list}. */
    public record Listing(List<FileEntry> entries) {
    }

    /** {@code PUT {runtime_url}/files}. */
    public record Written(@Schema(description = "Absolute path of the file written.") String path,
                          @Schema(description = "Bytes written.") long size) {
    }

    /** {@code POST {runtime_url}/files/mkdir}. */
    public record MkdirBody(@Schema(required = true) String path, String user) {
    }

    /** {@code POST {runtime_url}/files/move}. */
    public record MoveBody(@Schema(required = true) String from, @Schema(required = true) String to, String user) {
    }
}
