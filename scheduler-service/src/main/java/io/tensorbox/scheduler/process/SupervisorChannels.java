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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One open exec per sandbox running the supervisor's {@code serve} verb, so that starting a
 * process costs a line written to it instead of a fresh exec (on kubernetes, a {@code pods/exec}
 * round trip through the API server and the kubelet). Callers fall back to a plain exec whenever
 * the channel cannot answer; every verb it serves is safe to repeat (a repeated start answers what
 * the first one did). What comes back is hostile: an answer that is not {@code <req> <status> <line>}
 * is dropped, and the request it was meant for times out.
 */
@ApplicationScoped
public class SupervisorChannels {

    private static final Logger LOG = Logger.getLogger(SupervisorChannels.class);

    private static final Pattern ANSWER = Pattern.compile("(r[0-9]{1,18}) ([0-9]{1,3})(?: (.*))?");

    /** What a verb answered through the channel: its exit status and first line of output. */
    public record Answer(int status, String output) {
    }

    /** What became of a request sent through a channel. */
    sealed interface Reply {
    }

    /** The verb answered. */
    record Answered(Answer answer) implements Reply {
    }

    /** The request never left: there is no channel and none could be opened. Safe to send another way. */
    record NotSent(String why) implements Reply {
    }

    /** The request may have reached the sandbox, but no answer came in time. */
    record Unanswered(String why) implements Reply {
    }

    private final SandboxRuntime runtime;
    private final Map<String, Channel> channels = new ConcurrentHashMap<>();

    SupervisorChannels(SandboxRuntime runtime) {
        this.runtime = runtime;
    }

    void stop(@Observes ShutdownEvent ignored) {
        channels.values().forEach(Channel::close);
    }

    /** Asks the sandbox's channel, opening one if there is none. */
    Reply ask(String sandboxId, List<String> serveArgv, String verb, List<String> args, Duration timeout) {
        Channel channel = channels.get(sandboxId);
        if (channel == null) {
            try {
                channel = open(sandboxId, serveArgv);
            } catch (RuntimeException e) {
                LOG.debugf("no supervisor channel into %s: %s", sandboxId, e.getMessage());
                return new NotSent(e.getMessage());
            }
        }
        return channel.ask(verb, args, timeout);
    }

    /** Reads one answer line {@code <req> <exit status> <output line>}; empty when it is not one. */
    static Optional<Map.Entry<String, Answer>> parseAnswer(String line) {
        Matcher m = ANSWER.matcher(line);
        if (!m.matches()) {
            return Optional.empty();
        }
        int status = Integer.parseInt(m.group(2));
        if (status > 255) {
            return Optional.empty();
        }
        return Optional.of(Map.entry(m.group(1), new Answer(status, m.group(3) == null ? "" : m.group(3))));
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
            Optional<Map.Entry<String, Answer>> answer = parseAnswer(line);
            if (answer.isEmpty()) {
                LOG.warnf("dropped an unreadable answer of the supervisor channel of %s: '%s'", sandboxId,
                        LineReader.printable(line));
                return;
            }
            CompletableFuture<Answer> waiting = pending.remove(answer.get().getKey());
            if (waiting != null) {
                waiting.complete(answer.get().getValue());
            }
        }

        Reply ask(String verb, List<String> args, Duration timeout) {
            if (!open) {
                return new NotSent("the channel is closed");
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
                return new Answered(answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
            } catch (IOException | ExecutionException | TimeoutException e) {
                LOG.infof("supervisor channel of %s failed (%s); using execs until it is reopened", sandboxId, e);
                close();
                return new Unanswered(e instanceof TimeoutException
                        ? "no answer within " + timeout.toMillis() + " ms" : String.valueOf(e.getMessage()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Unanswered("interrupted");
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
