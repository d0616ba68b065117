package io.tensorbox.scheduler.sandbox;

import io.tensorbox.common.ExecRequest;
import io.tensorbox.common.Ids;
import io.tensorbox.common.LiveSandbox;
import io.tensorbox.common.SandboxSpec;
import io.tensorbox.common.SandboxState;
import io.tensorbox.common.SandboxStatus;
import io.tensorbox.scheduler.runtime.ExecHandle;
import io.tensorbox.scheduler.runtime.SandboxLayout;
import io.tensorbox.scheduler.runtime.SandboxRuntime;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

/** One reconcile pass against a runtime that refuses some sandboxes: the others are still served. */
class ReconcilerTest {

    /** A runtime that knows one template and creates pods that stay pending (so nothing else is called). */
    static final class OneTemplateRuntime implements SandboxRuntime {
        final Set<String> created = ConcurrentHashMap.newKeySet();

        @Override
        public SandboxStatus create(SandboxSpec spec) {
            if (!"base".equals(spec.template())) {
                throw new IllegalArgumentException("template '" + spec.template() + "' does not exist; known templates: base");
            }
            created.add(spec.id());
            return new SandboxStatus(spec.id(), SandboxState.pending, null);
        }

        @Override
        public SandboxStatus status(String sandboxId) {
            return new SandboxStatus(sandboxId, created.contains(sandboxId) ? SandboxState.pending : SandboxState.stopped, null);
        }

        @Override
        public void delete(String sandboxId) {
            created.remove(sandboxId);
        }

        @Override
        public List<SandboxStatus> list() {
            return created.stream().map(this::status).toList();
        }

        @Override
        public SandboxLayout layout(String sandboxId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public ExecHandle spawn(String sandboxId, ExecRequest request, OutputStream stdout, OutputStream stderr) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Channel openChannel(String sandboxId, List<String> argv, OutputStream stdout) {
            throw new UnsupportedOperationException();
        }

        @Override
        public io.tensorbox.scheduler.runtime.Terminal openTerminal(String sandboxId,
                io.tensorbox.scheduler.runtime.TerminalRequest request, OutputStream output) {
            throw new UnsupportedOperationException();
        }

        @Override
        public AutoCloseable lead(String identity, Runnable onStart, Runnable onStop) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void onSandboxChange(SandboxListener listener) {
        }
    }

    @Test
    void aSandboxOfAnUnknownTemplateDoesNotKeepThePassFromCreatingTheOthers() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            ids.add(Ids.newSandboxId());
        }
        // the pass walks the records in hash order: make the bad one come first, whatever ids were drawn
        Map<String, Boolean> order = new HashMap<>();
        ids.forEach(id -> order.put(id, true));
        String bad = order.keySet().iterator().next();
        List<LiveSandbox> live = ids.stream()
                .map(id -> new LiveSandbox(new SandboxSpec(id, "t1", id.equals(bad) ? "no-such-template" : "base", Map.of()),
                        SandboxState.pending))
                .toList();
        OneTemplateRuntime runtime = new OneTemplateRuntime();
        Reconciler reconciler = new Reconciler(runtime, () -> live, null, null, null, null);

        reconciler.reconcileOnce();

        assertThat(runtime.created).containsExactlyInAnyOrderElementsOf(ids.stream().filter(id -> !id.equals(bad)).toList());
    }
}
