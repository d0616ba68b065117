package io.tensorbox.helm;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ChartLintTest {

    @Test
    void passesStrictLint() {
        LintResult result = new Helm(RenderedChart.CHART_DIR).lint().strict().call();

        assertThat(result.isFailed()).as("lint --strict: %s", result.getMessages()).isFalse();
        assertThat(result.getMessages()).as("warnings and errors").noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
    }
}
