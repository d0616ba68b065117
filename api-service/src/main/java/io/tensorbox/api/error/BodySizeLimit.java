package io.tensorbox.api.error;

import io.tensorbox.api.config.TensorboxConfig;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Every request body of this API is small JSON, but for file uploads ({@code files.UploadLength}). The HTTP layer's own limit
 * ({@code quarkus.http.limits.max-body-size}) is set well above this one, so a too-large body gets
 * the JSON 413 from here instead of an empty answer from the HTTP server: at once when its
 * Content-Length says so, and for a body of unknown length (chunked) as soon as more than the limit
 * was read, without reading the rest into memory.
 */
public class BodySizeLimit {
    private static final java.util.Set<String> MAY_STREAM = java.util.Set.of("POST", "PUT", "PATCH");

    /** Looked up per request: REST filters are built at static init, before runtime config mappings exist. */
    @Inject
    Instance<TensorboxConfig> config;

    @ServerRequestFilter(preMatching = true)
    public Response filter(ContainerRequestContext request) {
        if (io.tensorbox.api.files.UploadLength.isUpload(request.getMethod(), request.getUriInfo().getPath())) {
            return null; // a file, streamed to the sandbox (and never read here: reading it would take it)
        }
        long max = config.get().maxRequestBytes();
        if (request.getLength() > max) {
            return ErrorMappers.tooLarge(
                    "The request body has " + request.getLength() + " bytes; at most " + max + " are accepted.");
        }
        if (request.getLength() < 0 && MAY_STREAM.contains(request.getMethod())) {
            // no length: HTTP/1.1 chunked, or an HTTP/2 body of unknown size
            request.setEntityStream(new Bounded(request.getEntityStream(), max));
        }
        return null;
    }

    /** The body is larger than the limit; becomes a JSON 413 (and the connection is closed). */
    public static final class TooLarge extends IOException {
        TooLarge(long max) {
            super("The request body has more than " + max + " bytes; at most " + max + " are accepted.");
        }
    }

    /** Counts what the body reader takes and fails past the limit. */
    private static final class Bounded extends FilterInputStream {
        private final long max;
        private long read;
        private boolean exceeded;

        Bounded(InputStream in, long max) {
            super(in);
            this.max = max;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, (int) Math.min(len, max + 1 - read));
            if (n > 0) {
                count(n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(Math.min(n, max + 1 - read));
            count(skipped);
            return skipped;
        }

        /** Past the limit the rest is never read (closing the underlying stream would drain it all). */
        @Override
        public void close() throws IOException {
            if (!exceeded) {
                super.close();
            }
        }

        private void count(long n) throws TooLarge {
            read += n;
            if (read > max) {
                exceeded = true;
                throw new TooLarge(max);
            }
        }
    }
}
