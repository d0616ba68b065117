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
import io.tensorbox.api.auth.Role;
import io.tensorbox.api.commands.CommandBody;
import io.tensorbox.api.commands.Commands;
import io.tensorbox.api.commands.RuntimeAccess;
import io.tensorbox.api.process.ProcessRecord;
import io.tensorbox.common.ApiException;
import io.tensorbox.common.CommandSpec;
import io.tensorbox.common.ProcessState;
import io.vertx.core.buffer.Buffer;
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
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * E2B envd's {@code process.Process} Connect service under {@code {runtime_url}} (SPEC §5, seed 001), so
 * E2B's own client can drive a TensorBox sandbox. It is another wire format for the runtime API of
 * {@code io.tensorbox.api.commands}, not a second runtime: Start is a background command
 * ({@link Commands#start}) whose output is its log from byte 0 ({@link Commands#stream}), Connect follows
 * the log of a running one from its current end, the unary calls are stdin, signals and the list of
 * running commands. Closing a stream only stops the reading (E2B semantics: the process runs on).
 *
 * <p>Errors are Connect's: unary calls answer the HTTP status of the code with {@code {"code","message"}};
 * a streaming call always answers 200 and ends its stream with an end-of-stream message holding the
 * error, as the Connect protocol requires ("streaming responses always have an HTTP status of 200") and
 * as E2B's clients expect (they read the code from there, and would take a bare 404 for
 * {@code unimplemented}). Authentication failures raised before this class are shaped the same way by
 * {@link ConnectAuthErrors}. The routes stay out of the OpenAPI document: {@code process.proto} is their
 * contract, and their error shape is not the API's.
 */
@Path("/v1/sandboxes/{sbx}/process.Process")
public class ProcessService {
    private static final Logger LOG = Logger.getLogger(ProcessService.class);
    static final String CONNECT_JSON = "application/connect+json";
    /** envd's default: a keepalive event after this long (or {@code Keepalive-Ping-Interval} seconds). */
    static final Duration KEEPALIVE = Duration.ofSeconds(90);
    /** Connect lets a server clamp deadlines; a background command lives at most a day with one. */
    private static final long MAX_TIMEOUT_MS = 86_400_000L;
    private static final Pattern TIMEOUT = Pattern.compile("[0-9]{1,10}");
    private static final Pattern SECONDS = Pattern.compile("[0-9]{1,6}");
    /** Marks the end of a stream's events, so the keepalive ticks stop with it. */
    private static final ObjectNode DONE = new ObjectMapper().createObjectNode();

    @Inject
    SecurityIdentity identity;
    @Inject
    RuntimeAccess access;
    @Inject
    Commands commands;
    @Inject
    ObjectMapper json;

    /**
     * {@code Start}: starts the command in the background and streams {@code start}, its output, and
     * {@code end}. {@code Connect-Timeout-Ms} is the command's deadline (as envd does: the process is
     * killed at it); {@code "stdin": false} closes its stdin at once.
     */
    @POST
    @Path("/Start")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_OCTET_STREAM) // the real type is set by framed()
    @RolesAllowed({Role.DEVELOPER, Role.SANDBOX})
    @Blocking
    @Operation(hidden = true)
    public RestMulti<Buffer> start(@PathParam("sbx") String sandboxId, byte[] body, @Context HttpServerRequest request) {
        try {
            streaming(request);
            ProcessMessages.StartRequest start = ProcessMessages.start(ProcessMessages.parse(json, Envelope.single(body)));
            if (start.pty()) {
                throw new ConnectError(ConnectError.Code.unimplemented, "A process with a PTY cannot be started"
                        + " through process.Process; open a terminal at {runtime_url}/terminal (WebSocket).");
            }
            CommandSpec spec = spec(start, deadline(request), BasicUser.of(request.getHeader("Authorization")));
            access.running(identity, sandboxId);
            ProcessRecord p = commands.start(sandboxId, spec, start.tag());
            if (Boolean.FALSE.equals(start.stdin())) {
                closeStdin(p);
            }
            return framed(events(p, "0", keepalive(request)));
        } catch (ConnectError | ApiException e) {
            return framed(Multi.createFrom().item(end(e)));
        }
    }

    /** {@code Connect}: follows a running process from the current end of its output ({@code replay}: from byte 0). */
    @POST
    @Path("/Connect")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_OCTET_STREAM) // the real type is set by framed()
    @RolesAllowed({Role.VIEWER, Role.SANDBOX})
    @Blocking
    @Operation(hidden = true)
    public RestMulti<Buffer> connect(@PathParam("sbx") String sandboxId, byte[] body, @Context HttpServerRequest request) {
        try {
            streaming(request);
            JsonNode message = ProcessMessages.parse(json, Envelope.single(body));
            ProcessMessages.Selector selector = ProcessMessages.selector(message);
            ProcessRecord p = running(sandboxId, selector);
            return framed(events(p, ProcessMessages.replay(message) ? "0" : "end", keepalive(request)));
        } catch (ConnectError | ApiException e) {
            return framed(Multi.createFrom().item(end(e)));
        }
    }

    /** {@code List}: the running commands of the sandbox with their config, pid and tag. */
    @POST
    @Path("/List")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed({Role.VIEWER, Role.SANDBOX})
    @Operation(hidden = true)
    public Response list(@PathParam("sbx") String sandboxId, byte[] body, @Context HttpServerRequest request) {
        unary(request, body);
        access.sandbox(identity, sandboxId);
        List<ObjectNode> processes = commands.list(sandboxId, false).stream().map(ProcessMessages::processInfo).toList();
        return Response.ok(Map.of("processes", processes), MediaType.APPLICATION_JSON_TYPE).build();
    }

    /** {@code SendInput}: writes {@code input.stdin} to the process. */
    @POST
    @Path("/SendInput")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed({Role.DEVELOPER, Role.SANDBOX})
    @Operation(hidden = true)
    public Response sendInput(@PathParam("sbx") String sandboxId, byte[] body, @Context HttpServerRequest request) {
        JsonNode message = unary(request, body);
        ProcessMessages.Selector selector = ProcessMessages.selector(message);
        ProcessMessages.Input input = ProcessMessages.input(message);
        ProcessRecord p = running(sandboxId, selector);
        if (input.pty() != null) {
            throw new ConnectError(ConnectError.Code.failed_precondition, "Process " + p.pid
                    + " has no terminal; send its input as 'input.stdin'.");
        }
        commands.stdin(p, input.stdin(), false);
        return empty();
    }

    /** {@code SendSignal}: SIGTERM, or SIGKILL (a kill, recorded as such). */
    @POST
    @Path("/SendSignal")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed({Role.DEVELOPER, Role.SANDBOX})
    @Operation(hidden = true)
    public Response sendSignal(@PathParam("sbx") String sandboxId, byte[] body, @Context HttpServerRequest request) {
        JsonNode message = unary(request, body);
        ProcessMessages.Selector selector = ProcessMessages.selector(message);
        String signal = ProcessMessages.signal(message);
        ProcessRecord p = running(sandboxId, selector);
        if (signal.equals("KILL")) {
            commands.kill(p);
        } else {
            commands.signal(p, signal);
        }
        return empty();
    }

    /** {@code CloseStdin}: the process reads end of input; later SendInput calls fail. */
    @POST
    @Path("/CloseStdin")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed({Role.DEVELOPER, Role.SANDBOX})
    @Operation(hidden = true)
    public Response closeStdin(@PathParam("sbx") String sandboxId, byte[] body, @Context HttpServerRequest request) {
        JsonNode message = unary(request, body);
        commands.stdin(running(sandboxId, ProcessMessages.selector(message)), new byte[0], true);
        return empty();
    }

    /**
     * {@code Update}: envd resizes a process's PTY with it. Processes started here never have one (a
     * terminal is {@code {runtime_url}/terminal}), so a running process answers failed_precondition, as
     * envd does for a process without a PTY; a missing one not_found.
     */
    @POST
    @Path("/Update")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed({Role.DEVELOPER, Role.SANDBOX})
    @Operation(hidden = true)
    public Response update(@PathParam("sbx") String sandboxId, byte[] body, @Context HttpServerRequest request) {
        JsonNode message = unary(request, body);
        ProcessRecord p = running(sandboxId, ProcessMessages.selector(message));
        throw new ConnectError(ConnectError.Code.failed_precondition, "Process " + Integer.toUnsignedLong(p.pid)
                + " has no terminal to resize; terminals are opened at {runtime_url}/terminal.");
    }

    // ---- streams ---------------------------------------------------------------------------------

    /**
     * {@code start}, then the output and exit of {@link Commands#stream} as events, with a keepalive
     * event every {@code keepalive} while it runs, then the end-of-stream message. Nothing is held
     * but the chunk in flight; cancelling (the client went away) only closes the log follow.
     */
    private Multi<Buffer> events(ProcessRecord p, String offset, Duration keepalive) {
        Multi<ObjectNode> events = Multi.createBy().concatenating().streams(
                        Multi.createFrom().item(ProcessMessages.startEvent(p.pid)),
                        commands.stream(p, offset).map(ProcessMessages::event))
                .onCompletion().continueWith(DONE);
        Multi<ObjectNode> keepalives = Multi.createFrom().ticks().startingAfter(keepalive).every(keepalive)
                .onOverflow().drop()
                .map(tick -> ProcessMessages.keepaliveEvent());
        return Multi.createBy().merging().streams(events, keepalives)
                .select().first(event -> event != DONE)
                .map(event -> Envelope.frame(0, write(event)))
                .onCompletion().continueWith(Envelope.frame(Envelope.END_STREAM, write(Map.of())))
                .onFailure().recoverWithItem(this::end);
    }

    /**
     * The frames as the body, byte for byte, as {@code application/connect+json}. Declared as octet-stream:
     * Quarkus REST writes the items of any media type whose name contains "json" as a JSON array (and
     * with {@code encodeAsJsonArray(false)}, of any type, one per line), which would break the framing.
     */
    private static RestMulti<Buffer> framed(Multi<Buffer> frames) {
        return RestMulti.fromMultiData(frames).header("Content-Type", CONNECT_JSON).build();
    }

    /** The end-of-stream message of a failed call. */
    private Buffer end(Throwable failure) {
        ConnectError error = ConnectError.of(failure);
        if (error.code() == ConnectError.Code.internal) {
            LOG.error("process.Process stream failed", failure);
        } else {
            LOG.debugf("process.Process stream ends with %s: %s", error.code(), error.getMessage());
        }
        return Envelope.frame(Envelope.END_STREAM, write(Map.of("error", error.body())));
    }

    // ---- requests --------------------------------------------------------------------------------

    /** Streaming calls take {@code application/connect+json} (or plain JSON), uncompressed. */
    private static void streaming(HttpServerRequest request) {
        String type = mediaType(request.getHeader("Content-Type"));
        if (!type.equals(CONNECT_JSON) && !type.equals(MediaType.APPLICATION_JSON)) {
            throw new Unsupported("Start and Connect take 'Content-Type: application/connect+json' (binary"
                    + " protobuf is not supported).");
        }
        identity(request.getHeader("Connect-Content-Encoding"));
    }

    /** Unary calls take {@code application/json}, uncompressed; an empty body is an empty message. */
    private JsonNode unary(HttpServerRequest request, byte[] body) {
        String type = mediaType(request.getHeader("Content-Type"));
        if (!type.equals(MediaType.APPLICATION_JSON) && !(type.isEmpty() && body.length == 0)) {
            throw new Unsupported("Unary calls take 'Content-Type: application/json' (binary protobuf is not"
                    + " supported).");
        }
        identity(request.getHeader("Content-Encoding"));
        return ProcessMessages.parse(json, body);
    }

    private static String mediaType(String header) {
        if (header == null) {
            return "";
        }
        int semicolon = header.indexOf(';');
        return (semicolon < 0 ? header : header.substring(0, semicolon)).trim().toLowerCase(java.util.Locale.ROOT);
    }

    private static void identity(String encoding) {
        if (encoding != null && !encoding.isBlank() && !encoding.trim().equalsIgnoreCase("identity")) {
            throw new ConnectError(ConnectError.Code.unimplemented, "Encoding '" + encoding.trim()
                    + "' is not supported; the supported encodings are: identity.");
        }
    }

    /** {@code Connect-Timeout-Ms}: absent or 0 is no deadline, like a background command's default. */
    private static long deadline(HttpServerRequest request) {
        String header = request.getHeader("Connect-Timeout-Ms");
        if (header == null) {
            return 0;
        }
        if (!TIMEOUT.matcher(header.trim()).matches()) {
            throw ConnectError.invalid("Header 'Connect-Timeout-Ms' must be a positive integer of at most 10 digits.");
        }
        return Math.min(Long.parseLong(header.trim()), MAX_TIMEOUT_MS);
    }

    /** {@code Keepalive-Ping-Interval} (seconds), as envd reads it; anything unusable means the default. */
    static Duration keepalive(HttpServerRequest request) {
        String header = request.getHeader("Keepalive-Ping-Interval");
        if (header == null || !SECONDS.matcher(header.trim()).matches() || Long.parseLong(header.trim()) == 0) {
            return KEEPALIVE;
        }
        return Duration.ofSeconds(Long.parseLong(header.trim()));
    }

    /** The command as the runtime API checks it (argv form always: envd runs {@code cmd} with {@code args}). */
    private static CommandSpec spec(ProcessMessages.StartRequest start, long timeoutMs, String user) {
        try {
            return CommandBody.check(new CommandBody(start.cmd(), start.args(), start.cwd(), start.envs(), timeoutMs,
                    user, null), 0);
        } catch (ApiException e) {
            // the runtime API names its own fields; say them as this message spells them
            throw new ApiException(e.status(), e.code(), e.getMessage()
                    .replace("Field 'cmd'", "Field 'process.cmd'")
                    .replace("Field 'args", "Field 'process.args")
                    .replace("Field 'cwd'", "Field 'process.cwd'")
                    .replace("Field 'env", "Field 'process.envs")
                    .replace("Field 'user'", "The user of 'Authorization: Basic'"));
        }
    }

    /**
     * The running process the selector names in a sandbox the caller may see. As in envd, an ended
     * process is not found: envd forgets a process when it exits, and E2B's SDK takes not_found to mean
     * exactly that (its {@code kill} answers false).
     */
    private ProcessRecord running(String sandboxId, ProcessMessages.Selector selector) {
        access.sandbox(identity, sandboxId);
        ProcessRecord p = null;
        if (selector.pid() != null) {
            try {
                p = commands.find(sandboxId, Long.toString(selector.pid()));
            } catch (ApiException notFound) {
                p = null;
            }
        } else {
            p = ProcessRecord.<ProcessRecord>find("sandboxId = ?1 and tag = ?2 and state = ?3 order by createdAt desc, id desc",
                    sandboxId, selector.tag(), ProcessState.running).firstResult();
        }
        if (p == null || p.state != ProcessState.running) {
            throw new ConnectError(ConnectError.Code.not_found, "No running process with " + selector.describe()
                    + " in sandbox " + sandboxId + ".");
        }
        return p;
    }

    /** {@code "stdin": false}: the command reads end of input at once (envd gives it /dev/null). */
    private void closeStdin(ProcessRecord p) {
        try {
            commands.stdin(p, new byte[0], true);
        } catch (ApiException ended) {
            LOG.debugf("stdin of %s not closed: %s", p.id, ended.getMessage()); // it ended already
        }
    }

    private byte[] write(Object message) {
        try {
            return json.writeValueAsBytes(message);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Response empty() {
        return Response.ok(Map.of(), MediaType.APPLICATION_JSON_TYPE).build();
    }

    // ---- errors raised in this class or by its security checks ----------------------------------

    /** A content type or codec this service does not speak: HTTP 415, as the Connect protocol asks. */
    static final class Unsupported extends RuntimeException {
        Unsupported(String message) {
            super(message);
        }
    }

    @ServerExceptionMapper
    public Response unsupported(Unsupported e) {
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

    /** A unary error with its HTTP status, or on a streaming route the end-of-stream message (HTTP 200). */
    private Response error(ConnectError error, HttpServerRequest request) {
        if (ConnectAuthErrors.isStreaming(request.path())) {
            return Response.ok(end(error).getBytes(), CONNECT_JSON).build();
        }
        return Response.status(error.code().httpStatus).type(MediaType.APPLICATION_JSON_TYPE).entity(error.body()).build();
    }
}
