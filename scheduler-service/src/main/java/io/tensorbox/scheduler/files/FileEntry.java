package io.tensorbox.scheduler.files;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** One file, directory or symlink of a sandbox, as the files API answers it. */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record FileEntry(
        @JsonProperty("name") String name,
        @JsonProperty("path") String path,
        @JsonProperty("type") String type,
        @JsonProperty("size") long size,
        @JsonProperty("mode") String mode,
        @JsonProperty("permissions") String permissions,
        @JsonProperty("owner") String owner,
        @JsonProperty("group") String group,
        @JsonProperty("modified_at") String modifiedAt,
        @JsonProperty("symlink_target") String symlinkTarget) {
}
