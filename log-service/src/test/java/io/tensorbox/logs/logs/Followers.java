package io.tensorbox.logs.logs;

import io.tensorbox.common.internal.InternalToken;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Log requests to log-service as the scheduler's callers make them, with the bodies kept to hang up. */
final class Followers implements AutoCloseable {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final URL root;
    private final String sandboxId;
    private final List<InputStream> bodies = new ArrayList<>();

    Followers(URL root, String sandboxId) {
        this.root = root;
        this.sandboxId = sandboxId;
    }

    HttpClient http() {
        return http;
    }

    HttpRequest request(String processId, boolean follow) {
        return HttpRequest.newBuilder(URI.create(root + "internal/v1/sandboxes/" + sandboxId + "/processes/" + processId
                        + "/logs?follow=" + follow))
                .header(InternalToken.HEADER, FakeScheduler.TOKEN)
                .build();
    }

    /** A follow whose body is kept open until {@link #hangUp()}. */
    CompletableFuture<HttpResponse<InputStream>> follow(String processId) {
        return http.sendAsync(request(processId, true), HttpResponse.BodyHandlers.ofInputStream())
                .thenApply(response -> {
                    synchronized (bodies) {
                        bodies.add(response.body());
                    }
                    return response;
                });
    }

    /** Closes every body received so far: the followers go away. */
    void hangUp() throws IOException {
        synchronized (bodies) {
            for (InputStream body : bodies) {
                body.close();
            }
            bodies.clear();
        }
    }

    @Override
    public void close() throws IOException {
        hangUp();
        http.close();
    }
}
