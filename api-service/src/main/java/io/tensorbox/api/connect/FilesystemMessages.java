package io.tensorbox.api.connect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tensorbox.api.files.FileParams;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The messages of E2B envd's {@code filesystem.proto} (package {@code filesystem}) in the proto3 JSON
 * mapping, read from and written to the files API's own JSON (docs/FILES.md): an entry becomes an
 * {@code EntryInfo} ({@code FILE_TYPE_*}, {@code size} as an int64 string, {@code mode} the permission
 * bits as a number, {@code modifiedTime} RFC 3339), a change a {@code FilesystemEvent}.
 */
final class FilesystemMessages {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private FilesystemMessages() {
    }

    /** A string field of the request; null when absent. */
    static String string(JsonNode request, String field) {
        JsonNode value = request.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw ConnectError.invalid("Field '" + field + "' must be a string.");
        }
        return value.asText();
    }

    /** A path field, checked as the files API checks paths. */
    static String path(JsonNode request, String field) {
        String value = string(request, field);
        if (value == null || value.isEmpty()) {
            throw ConnectError.invalid("Field '" + field + "' is required: a path in the sandbox.");
        }
        try {
            return FileParams.path(field, value);
        } catch (io.tensorbox.common.ApiException e) {
            throw ConnectError.invalid(e.getMessage());
        }
    }

    static boolean bool(JsonNode request, String field) {
        JsonNode value = request.get(field);
        if (value == null || value.isNull()) {
            return false;
        }
        if (!value.isBoolean()) {
            throw ConnectError.invalid("Field '" + field + "' must be a boolean.");
        }
        return value.asBoolean();
    }

    /** {@code ListDirRequest.depth} (uint32; 0, the default, is 1 as in envd), at most {@link FileParams#MAX_DEPTH}. */
    static int depth(JsonNode request) {
        JsonNode value = request.get("depth");
        if (value == null || value.isNull()) {
            return 1;
        }
        long depth;
        if (value.isIntegralNumber()) {
            depth = value.asLong();
        } else if (value.isTextual() && value.asText().matches("[0-9]{1,10}")) {
            depth = Long.parseLong(value.asText());
        } else {
            throw ConnectError.invalid("Field 'depth' must be an unsigned integer.");
        }
        if (depth < 0 || depth > FileParams.MAX_DEPTH) {
            throw ConnectError.invalid("Field 'depth' must be from 1 to " + FileParams.MAX_DEPTH + ".");
        }
        return depth == 0 ? 1 : (int) depth;
    }

    /** The files API's entry as an {@code EntryInfo}. */
    static ObjectNode entryInfo(JsonNode entry) {
        ObjectNode info = NODES.objectNode();
        info.put("name", entry.path("name").asText());
        info.put("type", fileType(entry.path("type").asText()));
        info.put("path", entry.path("path").asText());
        info.put("size", Long.toString(entry.path("size").asLong()));
        String mode = entry.path("mode").asText("0");
        info.put("mode", mode.matches("[0-7]{1,6}") ? Integer.parseInt(mode, 8) & 07777 : 0);
        info.put("permissions", entry.path("permissions").asText());
        info.put("owner", entry.path("owner").asText());
        info.put("group", entry.path("group").asText());
        if (entry.path("modified_at").isTextual()) {
            info.put("modifiedTime", entry.path("modified_at").asText());
        }
        if (entry.path("symlink_target").isTextual()) {
            info.put("symlinkTarget", entry.path("symlink_target").asText());
        }
        return info;
    }

    static String fileType(String type) {
        return switch (type) {
            case "file" -> "FILE_TYPE_FILE";
            case "dir" -> "FILE_TYPE_DIRECTORY";
            case "symlink" -> "FILE_TYPE_SYMLINK";
            default -> "FILE_TYPE_UNSPECIFIED";
        };
    }

    /**
     * A change of the files API's watch as a {@code FilesystemEvent}: {@code name} is the path relative to
     * the watched directory (as envd names it), {@code entry} (when asked for) what the event says of it.
     */
    static ObjectNode event(JsonNode change, String watched, boolean includeEntry) {
        String path = change.path("path").asText();
        String prefix = watched.endsWith("/") ? watched : watched + "/";
        String name = path.startsWith(prefix) ? path.substring(prefix.length()) : path;
        ObjectNode event = NODES.objectNode();
        event.put("name", name);
        event.put("type", switch (change.path("type").asText()) {
            case "created" -> "EVENT_TYPE_CREATE";
            case "written" -> "EVENT_TYPE_WRITE";
            case "removed" -> "EVENT_TYPE_REMOVE";
            case "renamed" -> "EVENT_TYPE_RENAME";
            default -> "EVENT_TYPE_UNSPECIFIED";
        });
        if (includeEntry) {
            ObjectNode entry = event.putObject("entry");
            entry.put("name", name.substring(name.lastIndexOf('/') + 1));
            entry.put("type", fileType(change.path("entry_type").asText()));
            entry.put("path", path);
        }
        return event;
    }

    /**
     * The user of an envd call: E2B's clients send it as {@code Authorization: Basic base64(user:)}
     * (the sandbox's access token goes in {@code X-Access-Token}). Null when there is none.
     */
    static String user(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ConnectError.invalid("The Authorization header is not valid Basic credentials.");
        }
        int colon = decoded.indexOf(':');
        String user = colon < 0 ? decoded : decoded.substring(0, colon);
        try {
            return FileParams.user(user);
        } catch (io.tensorbox.common.ApiException e) {
            throw ConnectError.invalid(e.getMessage());
        }
    }
}
