package io.tensorbox.scheduler.files;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.operators.multi.processors.UnicastProcessor;
import io.tensorbox.common.ExecRequest;
import io.tensorbox.scheduler.runtime.ExecHandle;
import io.tensorbox.scheduler.runtime.RuntimeUnavailableException;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.io.OutputStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Watches of a directory. The sandbox image has no inotify tools, so a watch is a poll inside the
 * sandbox (one exec per watch, under the caller-gone watchdog): every interval a {@code find} of the
 * directory is checksummed ({@code cksum}), and only when the checksum changed is the listing sent,
 * as one snapshot; the scheduler diffs snapshots ({@link WatchStream}). A poll sees what changed
 * between two looks, not each system call: a file created and removed within one interval is not
 * seen, and a rename is recognised by its inode (a {@code renamed} event for the old path, then
 * {@code created} for the new one, as inotify-based watchers report it).
 */
@ApplicationScoped
public class FileWatches {

    private static final Logger LOG = Logger.getLogger(FileWatches.class);
    /** {@code -maxdepth} of a recursive watch. */
    static final int RECURSIVE_DEPTH = 4096;

    private final FilesService files;
    private final ObjectMapper json;

    FileWatches(FilesService files, ObjectMapper json) {
        this.files = files;
        this.json = json;
    }

    /** One SSE event. */
    public record Event(String name, String data) {
    }

    Multi<Event> watch(String sandboxId, String path, boolean recursive, String user) {
        String p = files.target(sandboxId, path, "path");
        int max = files.config().filesWatchMaxEntries();
        long poll = Math.max(100, files.config().filesWatchPollInterval().toMillis());
        List<String> argv = files.argv(sandboxId, user, "watch", p,
                String.format(Locale.ROOT, "%d.%03d", poll / 1000, poll % 1000),
                String.valueOf(max + 1), String.valueOf(recursive ? RECURSIVE_DEPTH : 1));
        UnicastProcessor<Event> events = UnicastProcessor.create();
        WatchStream stream = new WatchStream(p, max, (name, data) -> events.onNext(new Event(name, toJson(data))));
        ExecHandle handle = files.runtime().exec(sandboxId, new ExecRequest(argv, null, null, null, 0), stream,
                OutputStream.nullOutputStream());
        handle.exitCode().whenComplete((code, failure) -> {
            stream.ended();
            if (failure != null) {
                LOG.debugf("watch of %s in %s ended: %s", p, sandboxId, failure.getMessage());
            }
            events.onComplete();
        });
        String header;
        try {
            header = stream.header().get(files.config().filesTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            handle.close();
            throw new RuntimeUnavailableException("the sandbox did not start watching " + p);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            handle.close();
            throw new RuntimeUnavailableException("interrupted while starting a watch");
        }
        try {
            if (header == null) {
                throw new RuntimeUnavailableException("the watch of " + p + " ended before it started");
            }
            FilesService.throwIfRefused(header, p);
            if (!header.equals("ok")) {
                throw FilesService.malformed(p, "unexpected header");
            }
        } catch (RuntimeException e) {
            handle.close();
            throw e;
        }
        stream.onFailure(handle::close);
        return events.onTermination().invoke(handle::close);
    }

    private String toJson(Map<String, ?> data) {
        try {
            return json.writeValueAsString(data);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
