package io.tensorbox.scheduler.files;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

/**
 * Reads a watch exec's stdout (hostile input, parsed strictly and bounded): a header line, then
 * snapshots {@code S\0 (type\0 inode\0 size\0 mtime\0 relpath\0)* E\0}. The first snapshot arms the
 * watch ({@code ready}); each later one is diffed against the one before into events. Output that
 * does not parse, or a directory with more entries than allowed, ends the watch with an
 * {@code error} event.
 */
final class WatchStream extends OutputStream {

    private static final Pattern INODE = Pattern.compile("[0-9]{1,20}");
    private static final Pattern SIZE = Pattern.compile("[0-9]{1,19}");
    private static final Pattern TIME = Pattern.compile("-?[0-9]{1,12}(\\.[0-9]{1,10})?");
    private static final Pattern TYPE = Pattern.compile("[fdlpscbD]");

    record State(String type, String inode, String size, String mtime) {
    }

    private final String base;
    private final int max;
    private final BiConsumer<String, Map<String, ?>> emit;
    private final CompletableFuture<String> header = new CompletableFuture<>();
    private final byte[] line = new byte[FilesService.MAX_HEADER_BYTES];
    private int lineLength;
    private byte[] token = new byte[256];
    private int tokenLength;
    private final String[] record = new String[FileScripts.WATCH_FIELDS];
    private int field;
    private Map<String, State> current;
    private Map<String, State> previous;
    private boolean failed;
    private Runnable onFailure = () -> { };

    WatchStream(String base, int max, BiConsumer<String, Map<String, ?>> emit) {
        this.base = base;
        this.max = max;
        this.emit = emit;
    }

    CompletableFuture<String> header() {
        return header;
    }

    synchronized void onFailure(Runnable action) {
        onFailure = action;
        if (failed) {
            action.run();
        }
    }

    void ended() {
        header.complete(null);
    }

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        for (int i = off; i < off + len && !failed; i++) {
            byte c = b[i];
            if (!header.isDone()) {
                if (c == '\n') {
                    header.complete(new String(line, 0, lineLength, StandardCharsets.ISO_8859_1));
                } else if (lineLength == line.length) {
                    header.complete("err bad_header");
                    failed = true;
                } else {
                    line[lineLength++] = c;
                }
                continue;
            }
            if (c != 0) {
                if (tokenLength == EntryParser.MAX_FIELD_BYTES) {
                    fail("a path longer than the scheduler takes");
                    return;
                }
                if (tokenLength == token.length) {
                    token = java.util.Arrays.copyOf(token, Math.min(token.length * 2, EntryParser.MAX_FIELD_BYTES));
                }
                token[tokenLength++] = c;
                continue;
            }
            byte[] t = java.util.Arrays.copyOf(token, tokenLength);
            tokenLength = 0;
            try {
                token(t);
            } catch (EntryParser.Malformed e) {
                fail(e.getMessage());
            }
        }
    }

    private void token(byte[] t) {
        if (current == null) {
            if (t.length != 1 || t[0] != 'S') {
                throw new EntryParser.Malformed("a snapshot must start with S");
            }
            current = new HashMap<>();
            field = 0;
            return;
        }
        if (field == 0 && t.length == 1 && t[0] == 'E') {
            snapshot(current);
            current = null;
            return;
        }
        record[field] = switch (field) {
            case 0 -> EntryParser.ascii(t, TYPE, "type");
            case 1 -> EntryParser.ascii(t, INODE, "inode");
            case 2 -> EntryParser.ascii(t, SIZE, "size");
            case 3 -> EntryParser.ascii(t, TIME, "mtime");
            default -> relative(t);
        };
        if (++field == FileScripts.WATCH_FIELDS) {
            field = 0;
            if (current.size() >= max) {
                throw new EntryParser.Malformed("too_many_entries");
            }
            current.put(record[4], new State(record[0], record[1], record[2], record[3]));
        }
    }

    private static String relative(byte[] t) {
        String relative = EntryParser.text(t);
        if (relative.isEmpty() || relative.startsWith("/")) {
            throw new EntryParser.Malformed("bad relative path");
        }
        for (String part : relative.split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                throw new EntryParser.Malformed("bad relative path");
            }
        }
        return relative;
    }

    private void snapshot(Map<String, State> next) {
        if (previous == null) {
            previous = next;
            emit.accept("ready", Map.of());
            return;
        }
        Map<String, State> gone = new TreeMap<>();
        Map<String, State> inodesGone = new HashMap<>();
        previous.forEach((path, state) -> {
            if (!next.containsKey(path)) {
                gone.put(path, state);
                inodesGone.put(state.inode(), state);
            }
        });
        Map<String, String> renamedFrom = new HashMap<>(); // old path -> new path
        Map<String, String> events = new TreeMap<>();
        Map<String, String> types = new HashMap<>();
        new TreeMap<>(next).forEach((path, state) -> {
            State before = previous.get(path);
            if (before != null && before.inode().equals(state.inode())) {
                // a directory's own mtime moves with its entries, which are events of their own (as with inotify)
                if (!state.type().equals("d") && (!before.size().equals(state.size()) || !before.mtime().equals(state.mtime()))) {
                    events.put(path, "written");
                    types.put(path, state.type());
                }
                return;
            }
            String from = null;
            for (Map.Entry<String, State> g : gone.entrySet()) {
                if (g.getValue().inode().equals(state.inode()) && g.getValue().type().equals(state.type())
                        && !renamedFrom.containsKey(g.getKey())) {
                    from = g.getKey();
                    break;
                }
            }
            if (from != null) {
                renamedFrom.put(from, path);
                events.put(path, "created");
            } else {
                events.put(path, before == null ? "created" : "written");
            }
            types.put(path, state.type());
        });
        gone.forEach((path, state) -> {
            String kind = renamedFrom.containsKey(path) ? "renamed" : "removed";
            send(kind, path, state.type());
        });
        events.forEach((path, kind) -> send(kind, path, types.get(path)));
        previous = next;
    }

    private void send(String kind, String relative, String type) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("type", kind);
        data.put("path", FilePaths.child(base, relative));
        data.put("entry_type", switch (type) {
            case "d" -> "dir";
            case "l" -> "symlink";
            default -> "file";
        });
        emit.accept(kind, data);
    }

    private void fail(String why) {
        failed = true;
        Map<String, Object> error = new LinkedHashMap<>();
        boolean tooMany = why.equals("too_many_entries");
        error.put("code", tooMany ? "too_many_entries" : "runtime_unavailable");
        error.put("message", tooMany ? base + " holds more than " + max + " entries: the watch ended"
                : "the sandbox's watch output does not parse (" + why + "): the watch ended");
        emit.accept("error", Map.of("error", error));
        onFailure.run();
    }
}
