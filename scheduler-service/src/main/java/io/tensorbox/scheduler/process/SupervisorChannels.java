package io.tensorbox.scheduler.process;

import io.quarkus.runtime.ShutdownEvent;
import io.tensorbox.scheduler.runtime.SandboxRuntime;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One open exec per sandbox running the supervisor's {@code serve} verb, so that starting a
 * process costs a line written to it instead of a fresh exec (on kubernetes, a {@code pods/exec}
 * round trip through the API server and the kubelet). Callers fall back to a plain exec whenever
 * the channel cannot answer; every verb it serves is safe to repeat.
 */
@ApplicationScoped
public class SupervisorChannels {

    private static final Logger LOG = Logger.getLogger(SupervisorChannels.class);

    /** What a verb answered through the channel: its exit status and first line of output. */
    public record Answer(int status, String output) {
    }

    private final SandboxRuntime runtime;
    private final Map<String, Channel> channels = new ConcurrentHashMap<>();

    SupervisorChannels(SandboxRuntime runtime) {
        this.runtime = runtime;
    }

    void stop(@Observes ShutdownEvent ignored) {
        channels.values().forEach(Channel::close);
    }

    /** Asks the sandbox's channel; empty when there is none and none could be opened, or it failed. */
    Optional<Answer> ask(String sandboxId, List<String> serveArgv, String verb, List<String> args, Duration timeout) {
        Channel channel = channels.get(sandboxId);
        if (channel == null) {
            try {
                channel = open(sandboxId, serveArgv);
            } catch (RuntimeException e) {
                LOG.debugf("no supervisor channel into %s: %s", sandboxId, e.getMessage());
                return Optional.empty();
            }
        }
        return channel.ask(verb, args, timeout);
    }

    private Channel open(String sandboxId, List<String> serveArgv) {
        java.util.concurrent.atomic.AtomicReference<Channel> self = new java.util.concurrent.atomic.AtomicReference<>();
        // No request is sent before the channel is published, so no answer can come before that.
        LineReader answers = new LineReader(line -> self.get().answered(line));
        Channel opened = new Channel(sandboxId, runtime.openChannel(sandboxId, serveArgv, answers));
        self.set(opened);
        Channel raced = channels.putIfAbsent(sandboxId, opened);
        if (raced != null) {
            opened.close();
            return raced;
        }
        opened.watchEnd();
        return opened;
    }

    void forget(String sandboxId) {
        Channel channel = channels.remove(sandboxId);
        if (channel != null) {
            channel.close();
        }
    }

    /** Quotes an argument for the supervisor's {@code eval "set -- $line"}: one line, no expansion. */
    static String quote(String arg) {
        StringBuilder quoted = new StringBuilder("'");
        for (int i = 0; i < arg.length(); i++) {
            char c = arg.charAt(i);
            switch (c) {
                case '\'' -> quoted.append("'\\''");
                case '\n' -> quoted.append("'\"$NL\"'");
                default -> quoted.append(c);
            }
        }
        return quoted.append('\'').toString();
    }

    private final class Channel {
        private final String sandboxId;
        private final SandboxRuntime.Channel exec;
        private final AtomicLong nextRequest = new AtomicLong();
        private final Map<String, CompletableFuture<Answer>> pending = new ConcurrentHashMap<>();
        private volatile boolean open = true;

        Channel(String sandboxId, SandboxRuntime.Channel exec) {
            this.sandboxId = sandboxId;
            this.exec = exec;
        }

        /** Called once published: an exec that ends at once must not remove a channel not yet in the map. */
        void watchEnd() {
            exec.exitCode().whenComplete((code, error) -> closed());
        }

        /** The runtime hands the channel's stdout here, line by line. */
        void answered(String line) {
            String[] f = line.split(" ", 3);
            CompletableFuture<Answer> waiting = f.length >= 2 ? pending.remove(f[0]) : null;
            if (waiting != null) {
                waiting.complete(new Answer(Integer.parseInt(f[1]), f.length == 3 ? f[2] : ""));
            }
        }

        Optional<Answer> ask(String verb, List<String> args, Duration timeout) {
            if (!open) {
                return Optional.empty();
            }
            String request = "r" + nextRequest.incrementAndGet();
            CompletableFuture<Answer> answer = new CompletableFuture<>();
            pending.put(request, answer);
            StringBuilder line = new StringBuilder(request).append(' ').append(verb);
            args.forEach(a -> line.append(' ').append(quote(a)));
            line.append('\n');
            try {
                OutputStream stdin = exec.stdin();
                synchronized (this) {
                    stdin.write(line.toString().getBytes(StandardCharsets.UTF_8));
                    stdin.flush();
                }
                return Optional.of(answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
            } catch (IOException | ExecutionException | TimeoutException e) {
                LOG.infof("supervisor channel of %s failed (%s); using execs until it is reopened", sandboxId, e);
                close();
                return Optional.empty();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            } finally {
                pending.remove(request);
            }
        }

        void close() {
            exec.close();
            closed();
        }

        private void closed() {
            open = false;
            channels.remove(sandboxId, this);
            pending.values().forEach(p -> p.completeExceptionally(new IOException("the channel closed")));
        }
    }
}
