package io.tensorbox.helm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** values.schema.json turns a mistake into an error that names the value, before anything is rendered. */
class SchemaTest {

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({
            "api.replicas, two, /api/replicas",
            "scheduler.image.pullPolicy, Sometimes, /scheduler/image/pullPolicy",
            "sandboxes.imagePullPolicy, Sometimes, /sandboxes/imagePullPolicy",
            "log.service.port, 99999, /log/service/port",
            "bootstrapApiKey.value, not-a-key, /bootstrapApiKey/value",
            "templates.python.cpu, lots, /templates/python/cpu",
            "templates.python.workspaceDir, relative/dir, /templates/python/workspaceDir",
            "templates.Bad_Name.image, python, Bad_Name",
            "ingress.preview.domain, '*.preview.example.com', /ingress/preview/domain",
            "networkPolicy.apiServerCIDRs[0], 10.0.0.1, /networkPolicy/apiServerCIDRs/0",
            "networkPolicy.services.previewFrom[0].ipBlock.cidr, 10.0.0.1, /networkPolicy/services/previewFrom/0/ipBlock/cidr",
            "networkPolicy.services.extraFrom[0].podSelecter.app, x, /networkPolicy/services/extraFrom/0",
            "internalToken.existingSecret, My_Secret, /internalToken/existingSecret",
            "log.service.previewPort, 0, /log/service/previewPort",
            "externalDatabase.url, postgres://db/tensorbox, /externalDatabase/url",
            "postgresql.enabled, maybe, /postgresql/enabled",
            "api.imagePullPolicy, Always, imagePullPolicy",
    })
    void rejectsABadValueAndNamesIt(String key, String value, String where) {
        assertThatThrownBy(() -> RenderedChart.render(Map.of(key, value)))
                .hasMessageContaining("values don't meet the specifications of the schema")
                .hasMessageContaining(where);
    }

    @Test
    void requiresTheImageFields(@TempDir Path dir) {
        assertThatThrownBy(() -> RenderedChart.render(Map.of(), RenderedChart.valuesFile(dir, "api:\n  image:\n    repository: null\n")))
                .hasMessageContaining("repository");
    }

    @Test
    void theBaseTemplateCannotBeRemoved(@TempDir Path dir) {
        assertThatThrownBy(() -> RenderedChart.render(Map.of(), RenderedChart.valuesFile(dir, "templates:\n  base: null\n")))
                .hasMessageContaining("base");
    }
}
