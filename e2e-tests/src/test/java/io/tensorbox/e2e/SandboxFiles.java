package io.tensorbox.e2e;

import java.util.List;

/**
 * The files of a sandbox's state directory ({@code STATE} in docs/ARCHITECTURE.md) as the
 * runtime holds them: under {@code $TENSORBOX_HOME/sandboxes/<sbx>/state} on the local runtime,
 * in the pod's {@code /tmp/.tensorbox} on kubernetes. Only for checks the public API cannot make
 * (the bytes of a rolled {@code .log.1}).
 */
public interface SandboxFiles {

    /** The bytes of {@code STATE/<relativePath>}. */
    byte[] readState(String sandboxId, String relativePath);

    /** The names of the entries of the directory {@code STATE/<relativeDir>}. */
    List<String> listState(String sandboxId, String relativeDir);

    /** {@code STATE} as a command inside the sandbox sees it (what a hostile process would write to). */
    String stateDirInSandbox(String sandboxId);

    /**
     * Whether {@code absolutePath} (as a command inside the sandbox names it) exists, looked at from
     * outside TensorBox: markers that a killed command must never write.
     */
    boolean exists(String sandboxId, String absolutePath);

    /** The bytes of {@code absolutePath} inside the sandbox, read from outside TensorBox. */
    byte[] read(String sandboxId, String absolutePath);
}
