package io.tensorbox.scheduler.template;

import io.tensorbox.scheduler.runtime.kubernetes.TestRuntimes;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TemplatesTest {

    private static Templates templates(Map<String, String> properties) {
        return new Templates(TestRuntimes.tensorbox(properties).sandboxTemplates());
    }

    @Test
    void baseExistsWithNothingConfigured() {
        Template base = templates(Map.of()).get("base");
        assertEquals("tensorbox/sandbox-base:dev", base.image());
        assertEquals("/home/user", base.workspaceDir());
        assertEquals(Map.of(), base.env());
        assertEquals(Optional.of("1"), base.cpu());
        assertEquals(Optional.of("1Gi"), base.memory());
        assertEquals(Optional.of("100m"), base.cpuRequest());
        assertEquals(Optional.of("256Mi"), base.memoryRequest());
        assertEquals(base, templates(Map.of()).get(null), "no template means base");
    }

    @Test
    void anOperatorsBaseResourcesWinAndTheirRequestIsTheLimit() {
        Template base = templates(Map.of("tensorbox.templates.base.cpu", "2")).get("base");
        assertEquals(Optional.of("2"), base.cpu());
        assertEquals(Optional.empty(), base.cpuRequest(), "the request is the operator's limit");
        assertEquals(Optional.of("1Gi"), base.memory());
        assertEquals(Optional.of("256Mi"), base.memoryRequest());
    }

    @Test
    void baseImageOverrideAppliesToEveryTemplateWithoutItsOwnImage() {
        Templates templates = templates(Map.of(
                "tensorbox.base-image", "registry.example/sandbox:7",
                "tensorbox.templates.base.env.LANG", "C.UTF-8",
                "tensorbox.templates.node.image", "node:22",
                "tensorbox.templates.tools.cpu", "1"));
        assertEquals("registry.example/sandbox:7", templates.get("base").image());
        assertEquals(Map.of("LANG", "C.UTF-8"), templates.get("base").env());
        assertEquals("node:22", templates.get("node").image());
        assertEquals("registry.example/sandbox:7", templates.get("tools").image());
        assertEquals(List.of("base", "node", "tools"), templates.names());
    }

    @Test
    void unknownTemplateNamesTheKnownOnes() {
        var e = assertThrows(IllegalArgumentException.class, () -> templates(Map.of("tensorbox.templates.node.image", "node:22")).get("python"));
        assertEquals("template 'python' does not exist; known templates: base, node", e.getMessage());
    }

    @Test
    void badTemplateConfigurationIsRefusedAtStartWithThePropertyName() {
        var user = assertThrows(IllegalArgumentException.class, () -> templates(Map.of("tensorbox.templates.x.user", "root")));
        assertTrue(user.getMessage().contains("tensorbox.templates.x.user"), user.getMessage());
        var dir = assertThrows(IllegalArgumentException.class, () -> templates(Map.of("tensorbox.templates.x.workspace-dir", "work")));
        assertTrue(dir.getMessage().contains("tensorbox.templates.x.workspace-dir"), dir.getMessage());
    }
}
