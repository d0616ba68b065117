package io.tensorbox.api.logs;

import io.tensorbox.api.auth.Caller;
import io.tensorbox.api.auth.Role;
import io.tensorbox.api.config.TensorboxConfig;
import io.tensorbox.common.ApiException;
import io.tensorbox.api.process.Processes;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Process logs, relayed from log-service chunk by chunk: nothing is held beyond one buffer, and a
 * followed log reaches the client as log-service sends it. A worker thread is held per open stream.
 */
@Path("/v1/sandboxes/{sbx}/processes/{proc}/logs")
public class LogResource {
    private static final Logger LOG = Logger.getLogger(LogResource.class);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    @Inject
    Caller caller;
    @Inject
    Processes processes;
    @Inject
    TensorboxConfig config;

    @GET
    public Response logs(@PathParam("sbx") String sandboxId, @PathParam("proc") String processId,
                         @QueryParam("follow") String follow) {
        caller.require(Role.viewer);
        if (follow != null && !follow.equals("true") && !follow.equals("false")) {
            throw ApiException.invalid("Query parameter 'follow' must be true or false.");
        }
        processes.owned(caller.teamId(), sandboxId, processId);
        URI uri = URI.create(config.logUrl().replaceAll("/+$", "") + "/internal/v1/sandboxes/" + sandboxId
                + "/processes/" + processId + "/logs?follow=" + "true".equals(follow));
        HttpResponse<InputStream> upstream;
        try {
            upstream = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(15)).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            LOG.warnf("log-service unreachable: %s", e.toString());
            throw ApiException.runtimeUnavailable("The log service is unavailable.");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.runtimeUnavailable("The log service is unavailable.");
        }
        if (upstream.statusCode() != 200) {
            closeQuietly(upstream.body());
            if (upstream.statusCode() == 404) {
                throw ApiException.notFound("log_not_found", "Process " + processId + " has no log.");
            }
            LOG.warnf("log-service answered %d for %s", upstream.statusCode(), uri);
            throw ApiException.runtimeUnavailable("The log service could not read the log (it answered "
                    + upstream.statusCode() + ").");
        }
        StreamingOutput relay = out -> {
            try (InputStream in = upstream.body()) {
                byte[] buffer = new byte[64 * 1024];
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            }
        };
        return Response.ok(relay, "text/plain; charset=utf-8").build();
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // nothing to release beyond the connection
        }
    }
}
