package io.tensorbox.api.connect;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import io.tensorbox.api.auth.Role;
import io.tensorbox.api.commands.RuntimeAccess;
import io.tensorbox.api.files.FileParams;
import io.tensorbox.api.files.FileRelay;
import io.tensorbox.common.ApiException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerFileUpload;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.resteasy.reactive.RestMulti;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * E2B envd's HTTP {@code /files} under {@code {runtime_url}/envd/files}, as E2B's SDK 2.51.0 calls it:
 * {@code GET ?path=&username=} answers the bytes; {@code POST ?path=&username=} takes either
 * {@code application/octet-stream} (the file at {@code path}) or {@code multipart/form-data} with one or
 * more {@code file} parts (each written at {@code path} when given, else at the part's file name, which is
 * how the SDK names each file of a multi-file write), and answers {@code [{"name","type":"file","path"}]}.
 * Both stream: a part is piped to the sandbox as it is decoded, one at a time, nothing is held. Errors
 * are envd's {@code {"code":<status>,"message"}}. Relayed by {@link FileRelay} like the files API.
 */
@Path("/v1/sandboxes/{sbx}/envd/files")
public class EnvdFiles {

    @Inject
    SecurityIdentity identity;
    @Inject
    RuntimeAccess access;
    @Inject
    FileRelay relay;

    @GET
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    @RolesAllowed({Role.VIEWER, Role.SANDBOX})
    @Blocking
    @Operation(hidden = true)
    public RestMulti<Buffer> read(@PathParam("sbx") String sandboxId, @QueryParam("path") String path,
                                  @QueryParam("username") String username) {
        Map<String, String> params = FileRelay.params("path", FileParams.path("path", path), "user", FileParams.user(username));
        access.running(identity, sandboxId);
        return RestMulti.fromUniResponse(relay.download(sandboxId, params), FileRelay.Download::body, download -> {
            Map<String, List<String>> headers = new java.util.LinkedHashMap<>();
            headers.put("Content-Type", List.of(MediaType.APPLICATION_OCTET_STREAM));
            headers.put("Content-Disposition", List.of("attachment; filename=\"" + FileParams.name(path)
                    .replaceAll("[^\\x20-\\x7e]|[\"\\\\]", "_") + "\""));
            return headers; // streamed chunked: no Content-Length (see FileResource#download)
        }, download -> 200);
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed({Role.DEVELOPER, Role.SANDBOX})
    @Blocking
    @Operation(hidden = true)
    public Uni<Response> write(@PathParam("sbx") String sandboxId, @QueryParam("path") String path,
                               @QueryParam("username") String username, @Context RoutingContext routing) {
        String user = FileParams.user(username);
        String destination = path == null || path.isEmpty() ? null : FileParams.path("path", path);
        String type = routing.request().getHeader("Content-Type");
        String media = type == null ? "" : type.split(";")[0].trim().toLowerCase(Locale.ROOT);
        access.running(identity, sandboxId);
        HttpServerRequest request = routing.request();
        if ("100-continue".equalsIgnoreCase(request.getHeader("Expect"))) {
            routing.response().writeContinue();
        }
        Uni<List<ObjectNode>> written;
        if (media.equals("multipart/form-data")) {
            written = multipart(sandboxId, destination, user, request);
        } else if (media.equals(MediaType.APPLICATION_OCTET_STREAM) || media.isEmpty()) {
            if (destination == null) {
                throw ApiException.invalid("'path' is required for an application/octet-stream upload.");
            }
            written = relay.upload(sandboxId, FileRelay.params("path", destination, "user", user), request, request).map(answer -> List.of(info(answer.body())));
        } else {
            throw new ApiException(415, "unsupported_media_type", "Upload with multipart/form-data ('file' parts) or"
                    + " application/octet-stream, not '" + media + "'.");
        }
        return written.map(files -> Response.ok(files, MediaType.APPLICATION_JSON_TYPE).build())
                .onFailure().invoke(failure -> {
                    if (!request.isEnded()) {
                        routing.response().putHeader("Connection", "close"); // the rest of the body is not read
                    }
                });
    }

    /**
     * Each {@code file} part piped to the sandbox in turn (the request is paused while one is written);
     * parts of other names are skipped. Completes once the body ended and every part was written.
     */
    private Uni<List<ObjectNode>> multipart(String sandboxId, String destination, String user, HttpServerRequest request) {
        CompletableFuture<List<ObjectNode>> done = new CompletableFuture<>();
        List<ObjectNode> files = new ArrayList<>();
        CompletableFuture<?>[] last = {CompletableFuture.completedFuture(null)};
        request.setExpectMultipart(true);
        request.uploadHandler(upload -> {
            if (!upload.name().equals("file")) {
                upload.handler(skip -> { });
                return;
            }
            String target = destination != null ? destination : upload.filename();
            if (target == null || target.isEmpty()) {
                done.completeExceptionally(ApiException.invalid("A 'file' part has no file name, and the query has no 'path'."));
                request.connection().close();
                return;
            }
            CompletableFuture<?> previous = last[0];
            CompletableFuture<ObjectNode> one = relay.upload(sandboxId, FileRelay.params("path", target, "user", user),
                            upload, request)
                    .map(answer -> info(answer.body()))
                    .subscribeAsCompletionStage();
            last[0] = previous.thenCombine(one, (a, b) -> b).whenComplete((entry, failure) -> {
                if (failure != null) {
                    done.completeExceptionally(failure instanceof java.util.concurrent.CompletionException c ? c.getCause() : failure);
                } else {
                    synchronized (files) {
                        files.add(entry);
                    }
                }
            });
        });
        request.exceptionHandler(done::completeExceptionally);
        request.endHandler(ended -> last[0].whenComplete((entry, failure) -> {
            if (failure == null) {
                synchronized (files) {
                    if (files.isEmpty()) {
                        done.completeExceptionally(ApiException.invalid("The form has no 'file' part."));
                    } else {
                        done.complete(List.copyOf(files));
                    }
                }
            }
        }));
        request.resume();
        return Uni.createFrom().completionStage(done);
    }

    /** envd's answer for a written file. */
    private static ObjectNode info(com.fasterxml.jackson.databind.JsonNode written) {
        ObjectNode info = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        String path = written.path("path").asText();
        info.put("name", FileParams.name(path));
        info.put("type", "file");
        info.put("path", path);
        return info;
    }

    // ---- errors as envd answers them: {"code": <status>, "message"} --------------------------------

    @ServerExceptionMapper
    public Response apiError(ApiException e) {
        return envd(e.status(), e.getMessage());
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return envd(403, "This call needs the developer role, or the sandbox's access token.");
    }

    @ServerExceptionMapper
    public Response unauthorized(UnauthorizedException e) {
        return envd(401, e.getMessage() == null ? "Send the sandbox's access token as X-Access-Token." : e.getMessage());
    }

    private static Response envd(int status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(Map.of("code", status, "message", message == null ? "" : message)).build();
    }
}
