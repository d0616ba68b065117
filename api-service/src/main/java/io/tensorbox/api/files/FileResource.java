package io.tensorbox.api.files;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.tensorbox.api.auth.Role;
import io.tensorbox.api.commands.FirstItem;
import io.tensorbox.api.commands.RuntimeAccess;
import io.tensorbox.common.ApiException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.RestMulti;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The files API of the runtime (docs/FILES.md): {@code {runtime_url}/files} and below, relayed to the
 * scheduler's internal files routes by {@link FileRelay}, streamed both ways. Who may call is the runtime
 * API's rule ({@link RuntimeAccess}): a key of the sandbox's team (viewer reads, developer writes) or the
 * sandbox's access token; anything else sees no sandbox (404). Every parameter is checked here, before
 * any call to the scheduler. The sandbox must be running.
 */
@Path("/v1/sandboxes/{sbx}/files")
public class FileResource {
    /** How long a watch may take to be armed in the sandbox before the caller gets a 503. */
    static final Duration WATCH_START = Duration.ofSeconds(30);

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
    @Operation(summary = "Download a file", description = "The file's bytes, streamed (chunked), with"
            + " Content-Disposition. 404 file_not_found, 400 not_a_file, 403 permission_denied come before any byte.")
    @APIResponse(responseCode = "200", description = "The bytes.", content = @Content(
            mediaType = MediaType.APPLICATION_OCTET_STREAM, schema = @Schema(type = SchemaType.STRING, format = "binary")))
    public RestMulti<Buffer> download(@PathParam("sbx") String sandboxId, @QueryParam("path") String path,
                                      @QueryParam("user") String user) {
        Map<String, String> params = params(FileParams.path("path", path), user);
        access.running(identity, sandboxId);
        return RestMulti.fromUniResponse(relay.download(sandboxId, params), FileRelay.Download::body,
                download -> {
                    Map<String, List<String>> headers = new LinkedHashMap<>();
                    headers.put("Content-Type", List.of(MediaType.APPLICATION_OCTET_STREAM));
                    headers.put("Content-Disposition", List.of(disposition(FileParams.name(path))));
                    // No Content-Length: Quarkus REST sends a streamed body chunked, and a response with both
                    // is malformed (clients that trust the length read the chunk framing as bytes). The size
                    // is in files/stat.
                    return headers;
                }, download -> 200);
    }

    @PUT
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed({Role.DEVELOPER, Role.SANDBOX})
    @Blocking
    @Operation(summary = "Upload a file", description = "The body is the file's bytes (any size, streamed);"
            + " parent directories are created, an existing file is replaced.")
    @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_OCTET_STREAM,
            schema = @Schema(type = SchemaType.STRING, format = "binary")))
    @APIResponse(responseCode = "201", description = "Written.", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = FileEntry.Written.class)))
    public Uni<Response> upload(@PathParam("sbx") String sandboxId, @QueryParam("path") String path,
                                @QueryParam("user") String user, @Context RoutingContext routing) {
        Map<String, String> params = params(FileParams.path("path", path), user);
        access.running(identity, sandboxId);
        if ("100-continue".equalsIgnoreCase(routing.request().getHeader("Expect"))) {
            routing.response().writeContinue();
        }
        return relay.upload(sandboxId, params, routing.request(), routing.request())
                .map(answer -> Response.status(201).type(MediaType.APPLICATION_JSON_TYPE).entity(answer.body()).build())
                .onFailure().invoke(failure -> {
                    if (!routing.request().isEnded()) {
                        // refused before the whole body came: do not read the rest of it
                        routing.response().putHeader("Connection", "close");
                    }
                });
    }

    @DELETE
    @RolesAllowed({Role.DEVELOPER, Role.SANDBOX})
    @Blocking
    @Operation(summary = "Remove a file or directory", description = "Directories are removed with what they hold.")
    @APIResponse(responseCode = "204", description = "Removed.")
    public Uni<Response> remove(@PathParam("sbx") String sandboxId, @QueryParam("path") String path,
                                @QueryParam("user") String user) {
        Map<String, String> params = params(FileParams.path("path", path), user);
        access.running(identity, sandboxId);
        return relay.call(HttpMethod.DELETE, sandboxId, "", params, null).map(answer -> Response.noContent().build());
    }

    @GET
    @Path("/stat")
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed({Role.VIEWER, Role.SANDBOX})
    @Blocking
    @Operation(summary = "Describe a file or directory")
    @APIResponse(responseCode = "200", description = "The entry.", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = FileEntry.class)))
    public Uni<JsonNode> stat(@PathParam("sbx") String sandboxId, @QueryParam("path") String path,
                              @QueryParam("user") String user) {
        Map<String, String> params = params(FileParams.path("path", path), user);
        access.running(identity, sandboxId);
        return relay.call(HttpMethod.GET, sandboxId, "/stat", params, null).map(FileRelay.Answer::body);
    }

    @GET
    @Path("/list")
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed({Role.VIEWER, Role.SANDBOX})
    @Blocking
    @Operation(summary = "List a directory", description = "depth 1 (the default) lists the directory's children,"
            + " up to 10 goes that many levels down; entries are sorted by path.")
    @APIResponse(responseCode = "200", description = "The entries.", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = FileEntry.Listing.class)))
    public Uni<JsonNode> list(@PathParam("sbx") String sandboxId, @QueryParam("path") String path,
                              @QueryParam("depth") String depth, @QueryParam("user") String user) {
        Map<String, String> params = params(FileParams.path("path", path), user);
        params.put("depth", Integer.toString(FileParams.depth(depth)));
        access.running(identity, sandboxId);
        return relay.call(HttpMethod.GET, sandboxId, "/list", params, null).map(FileRelay.Answer::body);
    }

    @POST
    @Path("/mkdir")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed({Role.DEVELOPER, Role.SANDBOX})
    @Blocking
    @Operation(summary = "Create a directory", description = "With its parents. 201 when created, 200 when it"
            + " already was a directory, 409 already_exists when it is something else.")
    @APIResponse(responseCode = "201", description = "Created.", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = FileEntry.class)))
    @APIResponse(responseCode = "200", description = "It already was a directory.", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = FileEntry.class)))
    public Uni<Response> mkdir(@PathParam("sbx") String sandboxId, FileEntry.MkdirBody body) {
        if (body == null) {
            throw ApiException.invalid("The body must be a JSON object with 'path'.");
        }
        Map<String, Object> upstream = new LinkedHashMap<>();
        upstream.put("path", FileParams.path("path", body.path()));
        upstream.put("user", FileParams.user(body.user()));
        access.running(identity, sandboxId);
        return relay.call(HttpMethod.POST, sandboxId, "/mkdir", Map.of(), upstream).map(FileResource::json);
    }

    @POST
    @Path("/move")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed({Role.DEVELOPER, Role.SANDBOX})
    @Blocking
    @Operation(summary = "Move or rename", description = "Parents of 'to' are created; an existing 'to' is replaced.")
    @APIResponse(responseCode = "200", description = "The destination's entry.", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = FileEntry.class)))
    public Uni<Response> move(@PathParam("sbx") String sandboxId, FileEntry.MoveBody body) {
        if (body == null) {
            throw ApiException.invalid("The body must be a JSON object with 'from' and 'to'.");
        }
        Map<String, Object> upstream = new LinkedHashMap<>();
        upstream.put("from", FileParams.path("from", body.from()));
        upstream.put("to", FileParams.path("to", body.to()));
        upstream.put("user", FileParams.user(body.user()));
        access.running(identity, sandboxId);
        return relay.call(HttpMethod.POST, sandboxId, "/move", Map.of(), upstream).map(FileResource::json);
    }

    @GET
    @Path("/watch")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RolesAllowed({Role.VIEWER, Role.SANDBOX})
    @Blocking
    @Operation(summary = "Watch a directory", description = "Server-sent events: first 'ready' (the watch is armed;"
            + " later changes are seen), then one event per change, named by its type (created, written, removed,"
            + " renamed), data {\"type\",\"path\",\"entry_type\"}. Closing the stream ends the watch.")
    @APIResponse(responseCode = "200", description = "The event stream.", content = @Content(
            mediaType = MediaType.SERVER_SENT_EVENTS, schema = @Schema(type = SchemaType.STRING)))
    public Multi<OutboundSseEvent> watch(@PathParam("sbx") String sandboxId, @QueryParam("path") String path,
                                         @QueryParam("recursive") String recursive, @QueryParam("user") String user,
                                         @Context Sse sse) {
        Map<String, String> params = params(FileParams.path("path", path), user);
        params.put("recursive", Boolean.toString(FileParams.recursive(recursive)));
        access.running(identity, sandboxId);
        // an SSE answer is committed (200) once subscribed: the first event (ready) is awaited here so a
        // missing path or a file is a JSON 404/400; the rest holds no thread
        FirstItem.Split<FileRelay.Event> split;
        try {
            split = FirstItem.of(relay.watch(sandboxId, params)).await().atMost(WATCH_START);
        } catch (io.smallrye.mutiny.TimeoutException e) {
            throw ApiException.runtimeUnavailable("The sandbox did not arm the watch within " + WATCH_START.toSeconds() + " s.");
        }
        return Multi.createBy().concatenating().streams(Multi.createFrom().item(split.first()), split.rest())
                .map(event -> sse.newEventBuilder().name(event.name()).data(String.class, event.data().toString()).build());
    }

    static Map<String, String> params(String path, String user) {
        return FileRelay.params("path", path, "user", FileParams.user(user));
    }

    private static Response json(FileRelay.Answer answer) {
        return Response.status(answer.status()).type(MediaType.APPLICATION_JSON_TYPE).entity(answer.body()).build();
    }

    /** {@code attachment} with the name, as an ASCII fallback and RFC 5987's UTF-8 form. */
    static String disposition(String name) {
        String ascii = name.replaceAll("[^\\x20-\\x7e]|[\"\\\\]", "_");
        return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''"
                + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
