package io.tensorbox.cli;

import java.util.ArrayList;
import java.util.List;

/** A human table: upper-case headers, columns padded to their widest cell, two spaces apart. */
public final class Table {
    private final String[] headers;
    private final List<String[]> rows = new ArrayList<>();

    public Table(String... headers) {
        this.headers = headers;
    }

    public Table row(Object... cells) {
        String[] r = new String[headers.length];
        for (int i = 0; i < r.length; i++) {
            Object c = i < cells.length ? cells[i] : null;
            r[i] = c == null ? "" : Errors.oneLine(c.toString());
        }
        rows.add(r);
        return this;
    }

    public int size() {
        return rows.size();
    }

    public String render() {
        int[] w = new int[headers.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = headers[i].length();
            for (String[] r : rows) {
                w[i] = Math.max(w[i], r[i].codePointCount(0, r[i].length()));
            }
        }
        StringBuilder sb = new StringBuilder();
        line(sb, headers, w);
        for (String[] r : rows) {
            line(sb, r, w);
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, String[] cells, int[] w) {
        StringBuilder l = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            l.append(cells[i]);
            if (i < cells.length - 1) {
                l.append(" ".repeat(w[i] - cells[i].codePointCount(0, cells[i].length()) + 2));
            }
        }
        sb.append(l.toString().stripTrailing()).append('\n');
    }

    public void print() {
        Cli.out(render());
    }

    /** Two columns, no header: for one record ({@code sandbox get}). */
    public static String keyValues(Object... kv) {
        int w = 0;
        for (int i = 0; i < kv.length; i += 2) {
            w = Math.max(w, kv[i].toString().length());
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < kv.length; i += 2) {
            String k = kv[i].toString();
            String v = kv[i + 1] == null ? "" : Errors.oneLine(kv[i + 1].toString());
            sb.append(k).append(" ".repeat(w - k.length() + 2)).append(v).append('\n');
        }
        return sb.toString();
    }
}
