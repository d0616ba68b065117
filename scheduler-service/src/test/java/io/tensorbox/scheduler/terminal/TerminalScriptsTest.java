package io.tensorbox.scheduler.terminal;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The terminal's header is read back from inside the sandbox: only the wrapper's exact line counts. */
class TerminalScriptsTest {

    @Test
    void theHeaderGivesTheSessionOnlyWhenTheWrapperLeadsIt() {
        assertThat(TerminalScripts.session("tbx-term 4242 4242\r")).isEqualTo(OptionalLong.of(4242));
        assertThat(TerminalScripts.session("tbx-term 4242 4242")).isEqualTo(OptionalLong.of(4242));
        // not a session leader: its session is someone else's and must never be killed
        assertThat(TerminalScripts.session("tbx-term 4242 17")).isEmpty();
        assertThat(TerminalScripts.session("tbx-term 4242 0")).isEmpty();
        assertThat(TerminalScripts.session("tbx-term 1 1")).isEmpty();
        for (String forged : List.of("", "tbx-term", "tbx-term 12 12 extra", " tbx-term 12 12", "tbx-term -1 -1",
                "tbx-term 99999999999 99999999999", "tbx-term 0012 0012", "tbx-term 12\t12", "bash: welcome")) {
            assertThat(TerminalScripts.session(forged)).as(forged).isEmpty();
        }
    }

    @Test
    void theGuardRefusesASessionThatIsNotAPlainNumberAboveOneWithoutWaiting() throws Exception {
        for (String session : List.of("0", "1", "", "-1", "1 2", "$(id)", "12a")) {
            List<String> argv = new ArrayList<>(TerminalScripts.guard(2));
            argv.set(argv.size() - 1, session);
            // stdin stays open: a guard that went on would wait for it forever
            Process guard = new ProcessBuilder(argv).start();
            try {
                assertThat(guard.waitFor(10, TimeUnit.SECONDS)).as(session).isTrue();
                assertThat(guard.exitValue()).as(session).isEqualTo(2);
            } finally {
                guard.destroyForcibly();
            }
        }
    }
}
