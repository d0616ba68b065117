package io.tensorbox.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * SPEC §5 PTY: {@code GET {runtime_url}/terminal} as a WebSocket is a real terminal. Keystrokes go in
 * as binary frames, the terminal's output comes back as binary frames, a resize changes what
 * {@code stty size} prints, the shell's exit ends the socket with an exit message, and closing the
 * socket ends the shell. Each command echoes its answer between markers built by the shell
 * ({@code T-$(tty)-T}), so the terminal's echo of the typed line never matches.
 */
@TensorBoxTest
class TerminalIT {
    private static final Duration OUTPUT = Duration.ofSeconds(20);

    private static WsClient terminal(String sandbox, String query) {
        return WsClient.open("/v1/sandboxes/" + sandbox + "/terminal" + query, RuntimeApi.bearer(Api.developer()))
                .assertConnected();
    }

    /** The shell's pid, printed by the shell itself. */
    private static long shellPid(WsClient ws) {
        ws.sendBinary("echo P-$$-P\r");
        return Long.parseLong(ws.awaitOutput(Pattern.compile("P-([0-9]+)-P"), OUTPUT).group(1));
    }

    @Test
    void ttyIsAPseudoTerminalOfTheRequestedSize() {
        String sandbox = Api.newSandbox();
        try (WsClient ws = terminal(sandbox, "?cols=80&rows=24")) {
            ws.sendBinary("echo T-$(tty)-T\r");
            Matcher tty = ws.awaitOutput(Pattern.compile("T-(/dev/pts/[0-9]+)-T"), OUTPUT);
            assertTrue(tty.group(1).startsWith("/dev/pts/"), tty.group());
            ws.sendBinary("echo S-$(stty size)-S\r");
            ws.awaitOutput(Pattern.compile("S-24 80-S"), OUTPUT);
            ws.sendBinary("echo E-$TERM-E\r");
            ws.awaitOutput(Pattern.compile("E-xterm-256color-E"), OUTPUT);
        }
    }

    @Test
    void aResizeChangesWhatSttySizePrints() {
        String sandbox = Api.newSandbox();
        try (WsClient ws = terminal(sandbox, "?cols=80&rows=24")) {
            shellPid(ws); // the shell is up and reading
            ws.sendText("{\"type\":\"resize\",\"cols\":132,\"rows\":41}");
            // The resize and the keystrokes may travel apart (kubernetes has a channel for each): ask until it shows.
            int[] asked = {0};
            org.awaitility.Awaitility.await("stty size after a resize").atMost(OUTPUT).pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        ws.sendBinary("echo R" + ++asked[0] + "-$(stty size)-R\r");
                        return Pattern.compile("R[0-9]+-41 132-R").matcher(ws.output()).find();
                    });
        }
    }

    @Test
    void theShellsExitCodeEndsTheSocket() {
        String sandbox = Api.newSandbox();
        try (WsClient ws = terminal(sandbox, "?cols=80&rows=24")) {
            shellPid(ws);
            ws.sendBinary("exit 3\r");
            List<WsClient.Message> rest = ws.untilClosed(OUTPUT);
            List<WsClient.Text> texts = rest.stream().filter(m -> m instanceof WsClient.Text)
                    .map(m -> (WsClient.Text) m).toList();
            assertEquals(1, texts.size(), () -> "one text message, the exit: " + rest);
            JsonNode exit = texts.getFirst().json();
            assertEquals("exit", exit.path("type").asText(), exit::toString);
            assertEquals(3, exit.path("exit_code").asInt(-1), exit::toString);
            assertTrue(rest.getLast() instanceof WsClient.Text, () -> "the exit message is the last: " + rest);
        }
    }

    @Test
    void closingTheSocketEndsTheShell() {
        String sandbox = Api.newSandbox();
        long pid;
        try (WsClient ws = terminal(sandbox, "?cols=80&rows=24")) {
            pid = shellPid(ws);
            assertTrue(Api.cluster().pids().isAlive(sandbox, pid), "the shell runs while the socket is open");
            ws.sendClose();
        }
        RuntimeApi.awaitGone(sandbox, Duration.ofSeconds(10), "the terminal's shell after its socket closed", pid);

        long dropped;
        try (WsClient ws = terminal(sandbox, "?cols=80&rows=24")) {
            dropped = shellPid(ws);
            ws.abort();
        }
        RuntimeApi.awaitGone(sandbox, Duration.ofSeconds(10), "the terminal's shell after its connection dropped", dropped);
    }
}
