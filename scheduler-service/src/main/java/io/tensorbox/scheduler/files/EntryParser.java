package io.tensorbox.scheduler.files;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Reads what {@code find -printf} wrote in the sandbox: hostile input. Every field is bounded and
 * checked; a record that does not parse is an error, never a guess. Names are bytes: what is not
 * UTF-8 is shown with U+FFFD (JSON has no other way to carry it).
 */
final class EntryParser {

    static final int MAX_FIELD_BYTES = FilePaths.MAX_PATH_BYTES * 2;
    private static final Pattern SIZE = Pattern.compile("[0-9]{1,19}");
    private static final Pattern MODE = Pattern.compile("[0-7]{1,4}");
    private static final Pattern PERMISSIONS = Pattern.compile("[-dlcbpsD?][-rwxsStT]{9}");
    private static final Pattern TIME = Pattern.compile("-?[0-9]{1,12}(\\.[0-9]{1,10})?");
    private static final Pattern TYPE = Pattern.compile("[fdlpscbD]");
    private static final DateTimeFormatter RFC3339_MILLIS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    /** A record that is not what the script prints. */
    static final class Malformed extends RuntimeException {
        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    private EntryParser() {
    }

    /** Splits {@code bytes} (from {@code offset}) at NULs; the last field must be terminated. */
    static List<byte[]> fields(byte[] bytes, int offset) {
        List<byte[]> fields = new ArrayList<>();
        int start = offset;
        for (int i = offset; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                if (i - start > MAX_FIELD_BYTES) {
                    throw new Malformed("a field of " + (i - start) + " bytes");
                }
                byte[] f = new byte[i - start];
                System.arraycopy(bytes, start, f, 0, f.length);
                fields.add(f);
                start = i + 1;
            }
        }
        if (start != bytes.length) {
            throw new Malformed("output ends inside a field");
        }
        return fields;
    }

    /**
     * The entry of {@link FileScripts#ENTRY_FIELDS} fields from {@code at}: its path is {@code path}
     * when given (a stat), else {@code base} joined with the record's relative path.
     */
    static FileEntry entry(List<byte[]> fields, int at, String base, String path) {
        String type = ascii(fields.get(at), TYPE, "type");
        long size = Long.parseLong(ascii(fields.get(at + 1), SIZE, "size"));
        String mode = ascii(fields.get(at + 2), MODE, "mode");
        String permissions = ascii(fields.get(at + 3), PERMISSIONS, "permissions");
        String owner = bounded(fields.get(at + 4), "owner");
        String group = bounded(fields.get(at + 5), "group");
        String time = ascii(fields.get(at + 6), TIME, "mtime");
        byte[] target = fields.get(at + 7);
        String relative = text(fields.get(at + 8));
        String full;
        if (path != null) {
            full = path;
        } else {
            if (relative.isEmpty() || relative.startsWith("/") || relative.contains("\0")) {
                throw new Malformed("bad relative path");
            }
            for (String part : relative.split("/", -1)) {
                if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                    throw new Malformed("bad relative path");
                }
            }
            full = FilePaths.child(base, relative);
        }
        String kind = switch (type) {
            case "d" -> "dir";
            case "l" -> "symlink";
            default -> "file";
        };
        return new FileEntry(FilePaths.name(full), full, kind, size, "0".repeat(4 - mode.length()) + mode, permissions,
                owner, group, rfc3339(time), kind.equals("symlink") ? text(target) : null);
    }

    /** {@code find}'s {@code %T@} (seconds with a fraction) as RFC 3339 UTC with milliseconds. */
    static String rfc3339(String seconds) {
        BigDecimal s = new BigDecimal(seconds);
        long millis = s.movePointRight(3).setScale(0, java.math.RoundingMode.FLOOR).longValueExact();
        return RFC3339_MILLIS.format(Instant.ofEpochMilli(millis));
    }

    static String ascii(byte[] field, Pattern pattern, String what) {
        String s = new String(field, StandardCharsets.ISO_8859_1);
        if (!pattern.matcher(s).matches()) {
            throw new Malformed("bad " + what);
        }
        return s;
    }

    private static String bounded(byte[] field, String what) {
        if (field.length == 0 || field.length > 256) {
            throw new Malformed("bad " + what);
        }
        return text(field);
    }

    /** Bytes as UTF-8, with U+FFFD where they are not. */
    static String text(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }
}
