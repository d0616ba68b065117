package io.tensorbox.api.connect;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.tensorbox.api.auth.Role;
import io.tensorbox.api.commands.FirstItem;
import io.tensorbox.api.commands.RuntimeAccess;
import io.tensorbox.api.files.FileRelay;
import io.tensorbox.common.ApiException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.RestMulti;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * E2B envd's {@code filesystem.Filesystem} Connect service under {@code {runtime_url}}, another wire format
 * for the files API (docs/FILES.md), relayed to the scheduler by {@link FileRelay} like the files routes.
 * Stat, MakeDir (already_exists when the directory was there, as envd answers), Move, ListDir (depth),
 * Remove are unary JSON calls; WatchDir streams Connect envelopes ({@code start}, then {@code filesystem}
 * events, keepalives, the end-of-stream message) and closing it closes the watch in the sandbox;
 * CreateWatcher / GetWatcherEvents / RemoveWatcher are polling watchers kept by {@link Watchers} (in this
 * replica's memory, bounded, expiring). The user is the one E2B's client names in
 * {@code Authorization: Basic base64(user:)}, else the sandbox's default. Errors as in {@link ProcessService}.
 */
@Path("/v1/sandboxes/{sbx}/filesystem.Filesystem")
public class FilesystemService {
    private static final Logger LOG = Logger.getLogger(FilesystemService.class);
    private static final Duration START = Duration.ofSeconds(30);
    private static final ObjectNode DONE = new ObjectMapper().createObjectNode();

    @Inject
    SecurityIdentity identity;
    @Inject
    RuntimeAccess access;
    @Inject
    FileRelay relay;
    @Inject
    Watchers watchers;
    @Inject
    ObjectMapper json;

    @POST
    @Path("/Stat")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed({Role.VIEWER, Role.SANDBOX})
    @Blocking
    @Operation(hidden = true)
    public Uni<Response> stat(@PathParam("sbx") String sandboxId, byte[] body, @Context HttpServerRequest request) {
        JsonNode message = unary(request, body);
        Map<String, String> params = params(FilesystemMessages.path(message, "path"), request);
        access.running(identity, sandboxId);
        return relay.call(HttpMethod.GET, sandboxId, "/stat", params, null)
                .map(answer -> ok(Map.of("entry", FilesystemMessages.entryInfo(answer.body()))));
    }

    @POST
    @Path("/MakeDir")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed({Role.DEVELOPER, Role.SANDBOX})
    @Blocking
    @Operation(hidden = true)
    public Uni<Response> makeDir(@PathParam("sbx") String sandboxId, byte[] body, @Context HttpServerRequest request) {
        JsonNode message = unary(request, body);
        String path = FilesystemMessages.path(message, "path");
        Map<String, Object> upstream = new LinkedHashMap<>();
        upstream.put("path", path);
        upstream.put("user", FilesystemMessages.user(request.getHeader("Authorization")));
        access.running(identity, sandboxId);
        return relay.call(HttpMethod.POST, sandboxId, "/mkdir", Map.of(), upstream).map(answer -> {
            if (answer.status() == 200) {
                // it already was a directory: envd says so with already_exists (E2B's makeDir answers false)
                throw new ConnectError(ConnectError.Code.already_exists, "Directory '" + path + "' already exists.");
            }
            return ok(Map.of("entry", FilesystemMessages.entryInfo(answer.body())));
        });
    }

    @POST
    @Path("/Move")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed({Role.DEVELOPER, Role.SANDBOX})
    @Blocking
    @Operation(hidden = true)
    public Uni<Response> move(@PathParam("sbx") String sandboxId, byte[] body, @Context HttpServerRequest request) {
        JsonNode message = unary(request, body);
        Map<String, Object> upstream = new LinkedHashMap<>();
        upstream.put("from", FilesystemMessages.path(message, "source"));
        upstream.put("to", FilesystemMessages.path(message, "destination"));
        upstream.put("user", FilesystemMessages.user(request.getHeader("Authorization")));
        access.running(identity, sandboxId);
        return relay.call(HttpMethod.POST, sandboxId, "/move", Map.of(), upstream)
                .map(answer -> ok(Map.of("entry", FilesystemMessages.entryInfo(answer.body()))));
    }

    @POST
    @Path("/ListDir")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed({Role.VIEWER, Role.SANDBOX})
    @Blocking
    @Operation(hidden = true)
    public Uni<Response> listDir(@PathParam("sbx") String sandboxId, byte[] body, @Context HttpServerRequest request) {
        JsonNode message = unary(request, body);
        Map<String, String> params = params(FilesystemMessages.path(message, "path"), request);
        params.put("depth", Integer.toString(FilesystemMessages.depth(message)));
        access.running(identity, sandboxId);
        return relay.call(HttpMethod.GET, sandboxId, "/list", params, null).map(answer -> {
            List<ObjectNode> entries = new java.util.ArrayList<>();
            answer.body().path("entries").forEach(e -> entries.add(FilesystemMessages.entryInfo(e)));
            return ok(Map.of("entries", entries));
        });
    }

    @POST
    @Path("/Remove")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed({Role.DEVELOPER, Role.SANDBOX})
    @Blocking
    @Operation(hidden = true)
    public Uni<Response> remove(@PathParam("sbx") String sandboxId, byte[] body, @Context HttpServerRequest request) {
        JsonNode message = unary(request, body);
        Map<String, String> params = params(FilesystemMessages.path(message, "path"), request);
        access.running(identity, sandboxId);
        return relay.call(HttpMethod.DELETE, sandboxId, "", params, null).map(answer -> ok(Map.of()));
    }

    /** {@code WatchDir}: {@code start} once the watch is armed, then the changes, until the client closes. */
    @POST
    @Path("/WatchDir")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_OCTET_STREAM) // the real type is set by framed()
    @RolesAllowed({Role.VIEWER, Role.SANDBOX})
    @Blocking
    @Operation(hidden = true)
    public RestMulti<Buffer> watchDir(@PathParam("sbx") String sandboxId, byte[] body, @Context HttpServerRequest request) {
        try {
            streaming(request);
            JsonNode message = parse(Envelope.single(body));
            Armed armed = arm(sandboxId, message, request);
            ObjectNode start = json.createObjectNode();
            start.putObject("start");
            Multi<ObjectNode> events = Multi.createBy().concatenating().streams(
                            Multi.createFrom().item(start),
                            armed.changes().map(change -> {
                                ObjectNode event = json.createObjectNode();
                                event.set("filesystem", change);
                                return event;
                            }))
                    .onCompletion().continueWith(DONE);
            Duration keepalive = ProcessService.keepalive(request);
            Multi<ObjectNode> keepalives = Multi.createFrom().ticks().startingAfter(keepalive).every(keepalive)
                    .onOverflow().drop()
                    .map(tick -> {
                        ObjectNode alive = json.createObjectNode();
                        alive.putObject("keepalive");
                        return alive;
                    });
            return framed(Multi.createBy().merging().streams(events, keepalives)
                    .select().first(event -> event != DONE)
                    .map(event -> Envelope.frame(0, write(event)))
                    .onCompletion().continueWith(Envelope.frame(Envelope.END_STREAM, write(Map.of())))
                    .onFailure().recoverWithItem(this::end));
        } catch (ConnectError | ApiException e) {
            return framed(Multi.createFrom().item(end(e)));
        }
    }

    @POST
    @Path("/CreateWatcher")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed({Role.VIEWER, Role.SANDBOX})
    @Blocking
    @Operation(hidden = true)
    public Response createWatcher(@PathParam("sbx") String sandboxId, byte[] body, @Context HttpServerRequest request) {
        JsonNode message = unary(request, body);
        Watchers.Watcher watcher = watchers.create(sandboxId);
        try {
            Armed armed = arm(sandboxId, message, request);
            watchers.started(watcher, armed.changes().subscribe().with(watcher::add, watcher::failed));
        } catch (RuntimeException e) {
            watchers.remove(watcher);
            throw e;
        }
        return ok(Map.of("watcherId", watcher.id));
    }

    @POST
    @Path("/GetWatcherEvents")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed({Role.VIEWER, Role.SANDBOX})
    @Operation(hidden = true)
    public Response getWatcherEvents(@PathParam("sbx") String sandboxId, byte[] body, @Context HttpServerRequest request) {
        JsonNode message = unary(request, body);
        access.sandbox(identity, sandboxId);
        return ok(Map.of("events", watchers.find(sandboxId, FilesystemMessages.string(message, "watcherId")).drain()));
    }

    @POST
    @Path("/RemoveWatcher")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed({Role.VIEWER, Role.SANDBOX})
    @Operation(hidden = true)
    public Response removeWatcher(@PathParam("sbx") String sandboxId, byte[] body, @Context HttpServerRequest request) {
        JsonNode message = unary(request, body);
        access.sandbox(identity, sandboxId);
        watchers.remove(watchers.find(sandboxId, FilesystemMessages.string(message, "watcherId")));
        return ok(Map.of());
    }

    // ---- watches ---------------------------------------------------------------------------------

    /** An armed watch: its changes as {@code FilesystemEvent}s (subscribe once). */
    private record Armed(Multi<ObjectNode> changes) {
    }

    /**
     * Checks the request, finds the directory's absolute path (names are relative to it) and opens the
     * watch, waiting (on this worker thread) until the sandbox armed it, so changes after the answer are seen.
     */
    private Armed arm(String sandboxId, JsonNode message, HttpServerRequest request) {
        String path = FilesystemMessages.path(message, "path");
        boolean recursive = FilesystemMessages.bool(message, "recursive");
        boolean includeEntry = FilesystemMessages.bool(message, "includeEntry");
        Map<String, String> params = params(path, request);
        access.running(identity, sandboxId);
        JsonNode dir = relay.call(HttpMethod.GET, sandboxId, "/stat", params, null).await().atMost(START).body();
        if (!"dir".equals(dir.path("type").asText())) {
            throw ConnectError.invalid("Path '" + path + "' is not a directory.");
        }
        String watched = dir.path("path").asText();
        params.put("recursive", Boolean.toString(recursive));
        FirstItem.Split<FileRelay.Event> split;
        try {
            split = FirstItem.of(relay.watch(sandboxId, params)).await().atMost(START);
        } catch (io.smallrye.mutiny.TimeoutException e) {
            throw new ConnectError(ConnectError.Code.unavailable, "The sandbox did not arm the watch within "
                    + START.toSeconds() + " s.");
        }
        return new Armed(split.rest()
                .filter(event -> !event.name().equals("ready") && event.data().has("type"))
                .map(event -> FilesystemMessages.event(event.data(), watched, includeEntry)));
    }

    // ---- requests and answers --------------------------------------------------------------------

    private static Map<String, String> params(String path, HttpServerRequest request) {
        return FileRelay.params("path", path, "user", FilesystemMessages.user(request.getHeader("Authorization")));
    }

    private static void streaming(HttpServerRequest request) {
        String type = mediaType(request.getHeader("Content-Type"));
        if (!type.equals(ProcessService.CONNECT_JSON) && !type.equals(MediaType.APPLICATION_JSON)) {
            throw new ProcessService.Unsupported("WatchDir takes 'Content-Type: application/connect+json' (binary"
                    + " protobuf is not supported).");
        }
        identity(request.getHeader("Connect-Content-Encoding"));
    }

    private JsonNode unary(HttpServerRequest request, byte[] body) {
        String type = mediaType(request.getHeader("Content-Type"));
        if (!type.equals(MediaType.APPLICATION_JSON) && !(type.isEmpty() && body.length == 0)) {
            throw new ProcessService.Unsupported("Unary calls take 'Content-Type: application/json' (binary protobuf"
                    + " is not supported).");
        }
        identity(request.getHeader("Content-Encoding"));
        return parse(body);
    }

    private JsonNode parse(byte[] message) {
        if (message.length == 0) {
            return json.createObjectNode();
        }
        JsonNode root;
        try {
            root = json.readTree(message);
        } catch (java.io.IOException e) {
            throw ConnectError.invalid("The request message is not valid JSON.");
        }
        if (root == null || !root.isObject()) {
            throw ConnectError.invalid("The request message must be a JSON object.");
        }
        return root;
    }

    private static String mediaType(String header) {
        if (header == null) {
            return "";
        }
        int semicolon = header.indexOf(';');
        return (semicolon < 0 ? header : header.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    }

    private static void identity(String encoding) {
        if (encoding != null && !encoding.isBlank() && !encoding.trim().equalsIgnoreCase("identity")) {
            throw new ConnectError(ConnectError.Code.unimplemented, "Encoding '" + encoding.trim()
                    + "' is not supported; the supported encodings are: identity.");
        }
    }

    private static Response ok(Object message) {
        return Response.ok(message, MediaType.APPLICATION_JSON_TYPE).build();
    }

    private static RestMulti<Buffer> framed(Multi<Buffer> frames) {
        return RestMulti.fromMultiData(frames).header("Content-Type", ProcessService.CONNECT_JSON).build();
    }

    private Buffer end(Throwable failure) {
        ConnectError error = ConnectError.of(failure);
        if (error.code() == ConnectError.Code.internal) {
            LOG.error("filesystem.Filesystem stream failed", failure);
        } else {
            LOG.debugf("filesystem.Filesystem stream ends with %s: %s", error.code(), error.getMessage());
        }
        return Envelope.frame(Envelope.END_STREAM, write(Map.of("error", error.body())));
    }

    private byte[] write(Object message) {
        try {
            return json.writeValueAsBytes(message);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- errors ----------------------------------------------------------------------------------

    @ServerExceptionMapper
    public Response unsupported(ProcessService.Unsupported e) {
        return Response.status(415).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(Map.of("code", ConnectError.Code.unimplemented.name(), "message", e.getMessage())).build();
    }

    @ServerExceptionMapper
    public Response connectError(ConnectError e, HttpServerRequest request) {
        return error(e, request);
    }

    @ServerExceptionMapper
    public Response apiError(ApiException e, HttpServerRequest request) {
        return error(ConnectError.of(e), request);
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e, HttpServerRequest request) {
        return error(ConnectAuthErrors.forbidden(identity), request);
    }

    @ServerExceptionMapper
    public Response unauthorized(UnauthorizedException e, HttpServerRequest request) {
        return error(ConnectAuthErrors.unauthenticated(e.getMessage()), request);
    }

    private Response error(ConnectError error, HttpServerRequest request) {
        if (ConnectAuthErrors.isStreaming(request.path())) {
            return Response.ok(end(error).getBytes(), ProcessService.CONNECT_JSON).build();
        }
        return Response.status(error.code().httpStatus).type(MediaType.APPLICATION_JSON_TYPE).entity(error.body()).build();
    }
}
