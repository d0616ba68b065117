package io.tensorbox.scheduler.files;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The files script run as another user, as it runs in a pod (where users switch): permissions are
 * that user's. Real processes on this host; needs root (to switch), as a pod's exec has.
 */
class FileScriptsTest {

    @TempDir
    Path dir;

    String run(String user, String verb, String path) throws Exception {
        List<String> argv = FileScripts.argv(user, true, null, verb, path);
        Process p = new ProcessBuilder(argv).redirectErrorStream(false).start();
        p.getOutputStream().close();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.getInputStream().transferTo(out);
        p.waitFor();
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void aFileOnlyRootReadsIsRefusedToAnotherUser() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "switching users needs root, as a pod's exec has");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path secret = dir.resolve("secret");
        Files.writeString(secret, "root only");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        Path open = dir.resolve("open");
        Files.writeString(open, "anyone");
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));

        assertThat(run("nobody", "read", secret.toString())).isEqualTo("err permission_denied unreadable\n");
        assertThat(run("root", "read", secret.toString())).isEqualTo("ok 9\nroot only");
        assertThat(run("nobody", "read", open.toString())).isEqualTo("ok 6\nanyone");
        assertThat(run("nobody", "remove", open.toString())).isEqualTo("err permission_denied cannot_remove\n");
        assertThat(open).exists();
        assertThat(run("nobody", "mkdir", dir + "/made")).isEqualTo("err permission_denied cannot_create\n");
        assertThat(run("no-such-user", "read", open.toString())).isEqualTo("err invalid_user unknown\n");
        // the default (+user) runs as whoever the exec is when the image has no such user
        assertThat(run(null, "read", secret.toString())).isEqualTo(
                Files.exists(Path.of("/home/user")) ? "err permission_denied unreadable\n" : "ok 9\nroot only");
    }
}
