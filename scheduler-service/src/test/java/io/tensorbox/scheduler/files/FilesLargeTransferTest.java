package io.tensorbox.scheduler.files;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.tensorbox.common.internal.InternalToken;
import io.tensorbox.scheduler.InternalCalls;
import io.tensorbox.scheduler.process.FakeApiService;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A 300 MiB upload and download through the scheduler whose heap (this test JVM's: the module's
 * {@code bounded-heap} surefire execution gives it -Xmx256m) is smaller than the file: neither
 * direction may hold it.
 */
@QuarkusTest
@QuarkusTestResource(FakeApiService.class)
class FilesLargeTransferTest {

    private static final Logger LOG = Logger.getLogger(FilesLargeTransferTest.class);
    static final long SIZE = 300L << 20;

    /** Deterministic pseudo-random bytes, generated as read (never held), digested as they go. */
    static final class Generated extends InputStream {
        final MessageDigest digest;
        long left = SIZE;
        long x = 0x9E3779B97F4A7C15L;

        Generated() throws Exception {
            digest = MessageDigest.getInstance("SHA-256");
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (left == 0) {
                return -1;
            }
            int n = (int) Math.min(len, left);
            for (int i = 0; i < n; i++) {
                x ^= x << 13;
                x ^= x >>> 7;
                x ^= x << 17;
                b[off + i] = (byte) x;
            }
            digest.update(b, off, n);
            left -= n;
            return n;
        }
    }

    @Test
    void threeHundredMebibytesBothWaysInBoundedMemory() throws Exception {
        assumeTrue(Boolean.getBoolean("bounded-heap-test"), "runs in the bounded-heap surefire execution of this module");
        long max = Runtime.getRuntime().maxMemory();
        assertThat(max).as("the test JVM's heap must be smaller than the file (surefire argLine -Xmx)").isLessThan(SIZE);
        String sandbox = InternalCalls.createRunningSandbox(Map.of());
        Path workspace = FakeApiService.home.resolve("sandboxes").resolve(sandbox).resolve("workspace");
        URI uri = URI.create("http://localhost:" + RestAssured.port + "/internal/v1/sandboxes/" + sandbox + "/files?path=big.bin");
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            pool.resetPeakUsage();
        }
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            Generated body = new Generated();
            long start = System.nanoTime();
            HttpResponse<String> put = client.send(HttpRequest.newBuilder(uri).header(InternalToken.HEADER, InternalCalls.TOKEN)
                    .header("Content-Type", "application/octet-stream")
                    .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> body)).build(), HttpResponse.BodyHandlers.ofString());
            long upMs = (System.nanoTime() - start) / 1_000_000;
            assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
            assertThat(put.body()).contains("\"size\":" + SIZE);
            assertThat(Files.size(workspace.resolve("big.bin"))).isEqualTo(SIZE);

            start = System.nanoTime();
            HttpResponse<InputStream> get = client.send(HttpRequest.newBuilder(uri).header(InternalToken.HEADER, InternalCalls.TOKEN)
                    .GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(get.statusCode()).isEqualTo(200);
            assertThat(get.headers().firstValueAsLong("Content-Length")).hasValue(SIZE);
            MessageDigest down = MessageDigest.getInstance("SHA-256");
            long count = 0;
            try (InputStream in = get.body()) {
                byte[] buf = new byte[65536];
                int n;
                while ((n = in.read(buf)) >= 0) {
                    down.update(buf, 0, n);
                    count += n;
                }
            }
            long downMs = (System.nanoTime() - start) / 1_000_000;
            assertThat(count).isEqualTo(SIZE);
            assertThat(HexFormat.of().formatHex(down.digest())).isEqualTo(HexFormat.of().formatHex(body.digest.digest()));
            long peak = 0;
            long afterGc = 0;
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP) {
                    peak += pool.getPeakUsage().getUsed();
                    afterGc += pool.getCollectionUsage() == null ? 0 : pool.getCollectionUsage().getUsed();
                }
            }
            LOG.infof("300 MiB: upload %d ms, download %d ms; heap max %d MiB, peak used with garbage %d MiB, live after the last GC %d MiB",
                    upMs, downMs, max >> 20, peak >> 20, afterGc >> 20);
        }
    }
}
