package io.tensorbox.logs.preview;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class PreviewHostTest {

    private static final String HEX = "0123456789abcdef01234567";

    @Test
    void aPreviewHostNamesItsPortAndSandbox() {
        assertEquals(new PreviewHost(3000, "sbx_" + HEX), PreviewHost.parse("3000-sbx-" + HEX + ".localhost:8082", "localhost"));
        assertEquals(new PreviewHost(1, "sbx_" + HEX), PreviewHost.parse("1-sbx-" + HEX + ".localhost", "localhost"));
        assertEquals(new PreviewHost(65535, "sbx_" + HEX), PreviewHost.parse("65535-SBX-" + HEX.toUpperCase() + ".Preview.Example.com",
                "preview.example.com"));
        assertEquals("3000-sbx-" + HEX, new PreviewHost(3000, "sbx_" + HEX).label());
    }

    /** E2B's SDKs build {@code {port}-{sandboxID}.{domain}} and keep the id's underscore. */
    @Test
    void theHostE2bBuildsIsOneToo() {
        assertEquals(new PreviewHost(3000, "sbx_" + HEX), PreviewHost.parse("3000-sbx_" + HEX + ".localhost", "localhost"));
        assertEquals(new PreviewHost(49983, "sbx_" + HEX), PreviewHost.parse("49983-sbx_" + HEX + ".localhost:8082", "localhost"));
        assertNull(PreviewHost.parse("3000_sbx_" + HEX + ".localhost", "localhost"));
        assertNull(PreviewHost.parse("3000-sbx__" + HEX + ".localhost", "localhost"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "0-sbx-" + HEX + ".localhost", "65536-sbx-" + HEX + ".localhost", "03000-sbx-" + HEX + ".localhost",
        "99999-sbx-" + HEX + ".localhost", "3000-sbx-" + HEX + "0.localhost", "3000-sbx-0123.localhost",
        "3000-sbx-" + HEX + ".localhost.", "3000-sbx-" + HEX + ".example.com",
        "a.3000-sbx-" + HEX + ".localhost", "3000-sbx-" + HEX + "localhost", "3000-sbx-" + HEX + ".localhost:",
        "3000-sbx-" + HEX + ".localhost:80:80", "3000-sbx-" + HEX + ".evil-localhost", "localhost", "",
        "-3000-sbx-" + HEX + ".localhost", "3000-sbx-" + HEX + ".localhost:123456", "3000-sbx-" + HEX + ".localhost:abc"})
    void anythingElseIsNot(String host) {
        assertNull(PreviewHost.parse(host, "localhost"));
    }
}
