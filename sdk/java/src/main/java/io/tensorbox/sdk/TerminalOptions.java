package io.tensorbox.sdk;

/** Options of {@link Sandbox#openTerminal(TerminalOptions, TerminalListener)}. */
public final class TerminalOptions {
    private final int cols;
    private final int rows;
    private final String cmd;
    private final String cwd;

    private TerminalOptions(Builder b) {
        this.cols = b.cols;
        this.rows = b.rows;
        this.cmd = b.cmd;
        this.cwd = b.cwd;
    }

    /** A new builder (80 x 24, the sandbox's default shell). */
    public static Builder builder() {
        return new Builder();
    }

    /** Columns. */
    public int cols() {
        return cols;
    }

    /** Rows. */
    public int rows() {
        return rows;
    }

    /** The command to run instead of the default shell, or {@code null}. */
    public String cmd() {
        return cmd;
    }

    /** The working directory, or {@code null}. */
    public String cwd() {
        return cwd;
    }

    /** Builds {@link TerminalOptions}. */
    public static final class Builder {
        private int cols = 80;
        private int rows = 24;
        private String cmd;
        private String cwd;

        private Builder() {
        }

        /** Columns (default 80). */
        public Builder cols(int cols) {
            this.cols = cols;
            return this;
        }

        /** Rows (default 24). */
        public Builder rows(int rows) {
            this.rows = rows;
            return this;
        }

        /** The command to run instead of the default shell. */
        public Builder cmd(String cmd) {
            this.cmd = cmd;
            return this;
        }

        /** The working directory. */
        public Builder cwd(String cwd) {
            this.cwd = cwd;
            return this;
        }

        /** Builds the options. */
        public TerminalOptions build() {
            return new TerminalOptions(this);
        }
    }
}
