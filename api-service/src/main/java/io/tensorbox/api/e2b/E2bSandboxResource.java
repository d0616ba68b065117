package io.tensorbox.api.e2b;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.tensorbox.api.auth.Caller;
import io.tensorbox.api.auth.PublicApiMechanism;
import io.tensorbox.api.auth.Role;
import io.tensorbox.api.config.TensorboxConfig;
import io.tensorbox.api.sandbox.Sandbox;
import io.tensorbox.api.sandbox.SandboxResource;
import io.tensorbox.api.sandbox.Sandboxes;
import io.tensorbox.common.ApiException;
import io.tensorbox.common.SandboxState;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * E2B's control plane (issue 12): the routes E2B's SDKs call at {@code E2B_API_URL}, with the key in
 * {@code X-API-KEY} ({@link PublicApiMechanism}) and errors as {@code {"code": <status>, "message"}}.
 * Every route is a thin translation onto {@link Sandboxes} and the records the native API uses, with
 * the same roles (viewer reads; developer creates, kills, times out, connects) and the same team
 * scoping (another team's sandbox is a 404).
 *
 * <p>E2B sandboxes are {@code running} or {@code paused}; TensorBox has no pause, so a live sandbox
 * (pending or running) is {@code running} and an ended one no longer exists here (404, and not
 * listed), as a killed E2B sandbox. Create waits until the sandbox runs, as E2B's answers only then.
 *
 * <p>Create fields: {@code templateID} (our template names, {@code base} by default), {@code timeout}
 * (seconds, default 300), {@code envVars}, {@code metadata} are honoured; {@code secure} is ignored
 * (every sandbox has an access token); {@code autoPauseMemory} is ignored. Fields asking for what
 * TensorBox cannot do are refused with a 400 rather than silently dropped: {@code autoPause: true},
 * {@code autoResume.enabled: true}, {@code allow_internet_access: false}, {@code network},
 * {@code volumeMounts}, {@code mcp}, {@code iam}.
 */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
public class E2bSandboxResource {
    private static final Logger LOG = Logger.getLogger(E2bSandboxResource.class);
    static final int DEFAULT_TIMEOUT_SECONDS = 300;
    private static final int DEFAULT_LIMIT = 100;
    private static final int MAX_LIMIT = 100;
    private static final Duration START_LIMIT = Duration.ofMinutes(3);
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{1,200}");
    private static final Set<String> STATES = Set.of("running", "paused");

    @Inject
    Caller caller;
    @Inject
    Sandboxes sandboxes;
    @Inject
    TensorboxConfig config;
    @Inject
    ObjectMapper json;

    // ---- create --------------------------------------------------------------------------------

    @POST
    @Path("sandboxes")
    @RolesAllowed(Role.DEVELOPER)
    @Operation(hidden = true)
    public Response createV1(byte[] body) {
        return create(body);
    }

    @POST
    @Path("v2/sandboxes")
    @RolesAllowed(Role.DEVELOPER)
    @Operation(hidden = true)
    public Response createV2(byte[] body) {
        return create(body);
    }

    private Response create(byte[] bytes) {
        JsonNode body = object(bytes);
        String template = text(body, "templateID");
        if (template == null || template.isEmpty()) {
            template = "base";
        }
        if (!template.equals("base") && !config.templates().contains(template)) {
            throw new ApiException(404, "template_not_found", "Template '" + template + "' not found; known: "
                    + String.join(", ", templates()) + ".");
        }
        int timeout = timeout(body, DEFAULT_TIMEOUT_SECONDS);
        Map<String, String> env = SandboxResource.checkMap("envVars", strings(body, "envVars"), true);
        Map<String, String> metadata = SandboxResource.checkMap("metadata", strings(body, "metadata"), false);
        refuseUnsupported(body);
        Sandboxes.Created created = sandboxes.create(caller.teamId(), template, timeout, env, metadata);
        Sandbox sandbox = awaitRunning(created.sandbox().id);
        return Response.status(201).entity(E2bViews.Created.of(sandbox, created.accessToken(), domain())).build();
    }

    private void refuseUnsupported(JsonNode body) {
        if (body.path("autoPause").asBoolean(false)) {
            throw ApiException.invalid("Field 'autoPause' is not supported: TensorBox cannot pause a sandbox; it"
                    + " stops at its timeout (leave onTimeout as 'kill').");
        }
        if (body.path("autoResume").path("enabled").asBoolean(false)) {
            throw ApiException.invalid("Field 'autoResume' is not supported: TensorBox cannot pause a sandbox.");
        }
        JsonNode internet = body.get("allow_internet_access");
        if (internet != null && !internet.isNull() && !internet.asBoolean(true)) {
            throw ApiException.invalid("Field 'allow_internet_access' false is not supported: TensorBox has no"
                    + " per-sandbox egress switch (the operator's NetworkPolicy applies to every sandbox).");
        }
        for (String field : List.of("network", "mcp", "iam")) {
            JsonNode value = body.get(field);
            if (value != null && !value.isNull() && !(value.isObject() && value.isEmpty())) {
                throw ApiException.invalid("Field '" + field + "' is not supported by TensorBox.");
            }
        }
        JsonNode mounts = body.get("volumeMounts");
        if (mounts != null && !mounts.isNull() && !(mounts.isArray() && mounts.isEmpty())) {
            throw ApiException.invalid("Field 'volumeMounts' is not supported by TensorBox.");
        }
    }

    /** E2B answers a create once the sandbox runs; a pod may take a while to start on a cluster. */
    private Sandbox awaitRunning(String id) {
        long deadline = System.nanoTime() + START_LIMIT.toNanos();
        while (true) {
            Sandbox sandbox = QuarkusTransaction.requiringNew().call(() -> Sandbox.<Sandbox>findById(id));
            if (sandbox.state == SandboxState.running) {
                return sandbox;
            }
            if (!sandbox.isLive()) {
                throw new ApiException(500, "sandbox_failed", "Sandbox " + id + " did not start: "
                        + (sandbox.reason == null ? sandbox.state.name() : sandbox.reason));
            }
            if (System.nanoTime() - deadline > 0) {
                sandboxes.stop(id, "did not start within " + START_LIMIT.toSeconds() + " s of an E2B create");
                throw new ApiException(503, "runtime_unavailable", "Sandbox " + id + " did not start within "
                        + START_LIMIT.toSeconds() + " s.");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ApiException(503, "runtime_unavailable", "Interrupted while the sandbox started.");
            }
        }
    }

    // ---- one sandbox ---------------------------------------------------------------------------

    @GET
    @Path("sandboxes/{id}")
    @RolesAllowed(Role.VIEWER)
    @Operation(hidden = true)
    public E2bViews.Detail get(@PathParam("id") String id) {
        return E2bViews.Detail.of(live(id), domain());
    }

    @DELETE
    @Path("sandboxes/{id}")
    @RolesAllowed(Role.DEVELOPER)
    @Operation(hidden = true)
    public Response kill(@PathParam("id") String id) {
        live(id);
        sandboxes.stop(id, "killed through the E2B API");
        return Response.noContent().build();
    }

    @POST
    @Path("sandboxes/{id}/timeout")
    @RolesAllowed(Role.DEVELOPER)
    @Operation(hidden = true)
    public Response timeout(@PathParam("id") String id, byte[] bytes) {
        JsonNode body = object(bytes);
        if (body.get("timeout") == null) {
            throw ApiException.invalid("Field 'timeout' (seconds) is required.");
        }
        int timeout = timeout(body, 0);
        QuarkusTransaction.requiringNew().run(() -> sandboxes.extend(live(id), timeout));
        return Response.noContent().build();
    }

    @POST
    @Path("sandboxes/{id}/connect")
    @RolesAllowed(Role.DEVELOPER)
    @Operation(hidden = true)
    public Response connectV1(@PathParam("id") String id, byte[] bytes) {
        return connect(id, bytes);
    }

    @POST
    @Path("v2/sandboxes/{id}/connect")
    @RolesAllowed(Role.DEVELOPER)
    @Operation(hidden = true)
    public Response connectV2(@PathParam("id") String id, byte[] bytes) {
        return connect(id, bytes);
    }

    /**
     * Connect: the sandbox and its access token again; a {@code timeout} in the body extends its life to
     * at least that many seconds from now (never shortens it, as E2B's connect).
     */
    private Response connect(String id, byte[] bytes) {
        JsonNode body = object(bytes);
        Integer timeout = body.get("timeout") == null || body.get("timeout").isNull() ? null : timeout(body, 0);
        Sandbox sandbox = QuarkusTransaction.requiringNew().call(() -> {
            Sandbox s = live(id);
            if (timeout != null && s.expiresAt < Instant.now().getEpochSecond() + timeout) {
                sandboxes.extend(s, timeout);
            }
            return s;
        });
        String token = sandboxes.accessToken(sandbox.id);
        if (!io.tensorbox.api.auth.KeyFormat.matches(token, sandbox.accessTokenHash)) {
            throw new ApiException(409, "token_unavailable", "The access token of sandbox " + id
                    + " cannot be given again (the service secret changed since it was created).");
        }
        return Response.ok(E2bViews.Created.of(sandbox, token, domain())).build();
    }

    // ---- what TensorBox does not do ------------------------------------------------------------

    /** Pause, resume, snapshots, forks, network updates, metrics, refreshes: said plainly, not a 404. */
    @GET
    @Path("sandboxes/{id}/{action: metrics}")
    @RolesAllowed(Role.VIEWER)
    @Operation(hidden = true)
    public Response unsupportedRead(@PathParam("id") String id, @PathParam("action") String action) {
        return unsupported(action);
    }

    @POST
    @Path("sandboxes/{id}/{action: pause|resume|snapshots|fork|refreshes}")
    @RolesAllowed(Role.DEVELOPER)
    @Operation(hidden = true)
    public Response unsupportedWrite(@PathParam("id") String id, @PathParam("action") String action) {
        return unsupported(action);
    }

    @jakarta.ws.rs.PUT
    @Path("sandboxes/{id}/{action: network}")
    @RolesAllowed(Role.DEVELOPER)
    @Operation(hidden = true)
    public Response unsupportedUpdate(@PathParam("id") String id, @PathParam("action") String action) {
        return unsupported(action);
    }

    private static Response unsupported(String action) {
        return error(501, "'" + action + "' is not supported by TensorBox (no pause, snapshots, forks, per-sandbox"
                + " network rules or metrics through the E2B API).");
    }

    // ---- lists ---------------------------------------------------------------------------------

    /** The list of E2B's v1 API: every running sandbox of the team, filtered by metadata. */
    @GET
    @Path("sandboxes")
    @RolesAllowed(Role.VIEWER)
    @Operation(hidden = true)
    public List<E2bViews.Listed> listV1(@QueryParam("metadata") String metadata) {
        Map<String, String> wanted = metadataQuery(metadata);
        List<Sandbox> found = Sandbox.list("teamId = ?1 and state in ?2 order by createdAt, id", caller.teamId(),
                List.of(SandboxState.pending, SandboxState.running));
        return found.stream().filter(s -> matches(s, wanted)).map(E2bViews.Listed::of).toList();
    }

    /**
     * E2B's paged list: {@code state} (running, paused; comma-separated), {@code metadata}
     * ({@code k=v&...}, URL-encoded), {@code limit} (1..100, default 100), {@code nextToken} (from the
     * {@code x-next-token} header of the previous page, absent on the last page).
     */
    @GET
    @Path("v2/sandboxes")
    @RolesAllowed(Role.VIEWER)
    @Operation(hidden = true)
    public Response listV2(@QueryParam("metadata") String metadata, @QueryParam("state") List<String> state,
                           @QueryParam("limit") String limitText, @QueryParam("nextToken") String nextToken,
                           @QueryParam("order") String order) {
        Map<String, String> wanted = metadataQuery(metadata);
        boolean running = true;
        if (state != null && !state.isEmpty()) {
            List<String> states = state.stream().flatMap(s -> java.util.Arrays.stream(s.split(",")))
                    .map(String::trim).filter(s -> !s.isEmpty()).toList();
            for (String s : states) {
                if (!STATES.contains(s)) {
                    throw ApiException.invalid("Query parameter 'state' must list running and/or paused.");
                }
            }
            running = states.isEmpty() || states.contains("running");
        }
        int limit = DEFAULT_LIMIT;
        if (limitText != null) {
            if (!limitText.matches("[0-9]{1,4}") || Integer.parseInt(limitText) < 1 || Integer.parseInt(limitText) > MAX_LIMIT) {
                throw ApiException.invalid("Query parameter 'limit' must be between 1 and " + MAX_LIMIT + ".");
            }
            limit = Integer.parseInt(limitText);
        }
        boolean descending = false;
        if (order != null && !order.isEmpty()) {
            if (!order.equals("asc") && !order.equals("desc")) {
                throw ApiException.invalid("Query parameter 'order' must be asc or desc.");
            }
            descending = order.equals("desc");
        }
        Cursor after = Cursor.parse(nextToken);
        List<E2bViews.Listed> page = new ArrayList<>();
        String next = null;
        if (running) {
            String direction = descending ? "desc" : "asc";
            String compare = descending ? "<" : ">";
            String query = "teamId = ?1 and state in ?2"
                    + (after == null ? "" : " and (createdAt " + compare + " ?3 or (createdAt = ?3 and id " + compare + " ?4))")
                    + " order by createdAt " + direction + ", id " + direction;
            Object[] params = after == null
                    ? new Object[]{caller.teamId(), List.of(SandboxState.pending, SandboxState.running)}
                    : new Object[]{caller.teamId(), List.of(SandboxState.pending, SandboxState.running), after.createdAt(), after.id()};
            // metadata is filtered here, not in SQL: read in batches until a page is full
            int batch = Math.max(limit + 1, 200);
            int offset = 0;
            Sandbox last = null;
            outer:
            while (true) {
                List<Sandbox> rows = Sandbox.<Sandbox>find(query, params).range(offset, offset + batch - 1).list();
                for (Sandbox s : rows) {
                    if (!matches(s, wanted)) {
                        continue;
                    }
                    if (page.size() == limit) {
                        next = new Cursor(last.createdAt, last.id).encode();
                        break outer;
                    }
                    page.add(E2bViews.Listed.of(s));
                    last = s;
                }
                if (rows.size() < batch) {
                    break;
                }
                offset += batch;
            }
        }
        Response.ResponseBuilder answer = Response.ok(page);
        if (next != null) {
            answer.header("x-next-token", next);
        }
        return answer.build();
    }

    /** Where a page ended: the sort key of its last sandbox, as an opaque token. */
    record Cursor(long createdAt, String id) {
        String encode() {
            return Base64.getUrlEncoder().withoutPadding().encodeToString((createdAt + ":" + id).getBytes(StandardCharsets.UTF_8));
        }

        static Cursor parse(String token) {
            if (token == null || token.isEmpty()) {
                return null;
            }
            if (!TOKEN.matcher(token).matches()) {
                throw ApiException.invalid("Query parameter 'nextToken' is not a token this API gave.");
            }
            try {
                String text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
                int colon = text.indexOf(':');
                String id = text.substring(colon + 1);
                if (colon < 1 || !io.tensorbox.common.Ids.SANDBOX.matcher(id).matches()) {
                    throw new IllegalArgumentException();
                }
                return new Cursor(Long.parseLong(text.substring(0, colon)), id);
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid("Query parameter 'nextToken' is not a token this API gave.");
            }
        }
    }

    /**
     * The {@code metadata} filter, {@code k=v&k2=v2} with keys and values URL-encoded (E2B's SDKs encode
     * them once more than the query string itself, and E2B's API decodes twice: so do we).
     */
    static Map<String, String> metadataQuery(String query) {
        Map<String, String> wanted = new LinkedHashMap<>();
        if (query == null || query.isEmpty()) {
            return wanted;
        }
        if (query.length() > 8192) {
            throw ApiException.invalid("Query parameter 'metadata' is too long.");
        }
        try {
            for (String pair : query.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String key = decode(eq < 0 ? pair : pair.substring(0, eq));
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
                wanted.put(key, value);
            }
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("Query parameter 'metadata' must be k=v pairs joined by '&', URL-encoded.");
        }
        return wanted;
    }

    private static String decode(String text) {
        String once = URLDecoder.decode(text, StandardCharsets.UTF_8);
        return once.contains("%") ? URLDecoder.decode(once, StandardCharsets.UTF_8) : once;
    }

    private static boolean matches(Sandbox sandbox, Map<String, String> wanted) {
        if (wanted.isEmpty()) {
            return true;
        }
        Map<String, String> have = sandbox.metadata == null ? Map.of() : sandbox.metadata;
        return wanted.entrySet().stream().allMatch(e -> e.getValue().equals(have.get(e.getKey())));
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** A live sandbox of the caller's team; anything else (missing, another team's, ended) is a 404. */
    private Sandbox live(String id) {
        return Sandbox.findOwned(id, caller.teamId()).filter(Sandbox::isLive)
                .orElseThrow(() -> ApiException.notFound("sandbox_not_found", "Sandbox " + id + " not found."));
    }

    /** The preview domain: E2B's SDKs build {@code {port}-{sandboxID}.{domain}} from it ({@code getHost}). */
    private String domain() {
        return config.preview().domain();
    }

    private List<String> templates() {
        List<String> all = new ArrayList<>(List.of("base"));
        config.templates().stream().filter(t -> !t.equals("base")).forEach(all::add);
        return all;
    }

    private JsonNode object(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            return json.createObjectNode(); // E2B's SDKs send no body where every field is optional
        }
        JsonNode body;
        try {
            body = json.readTree(bytes);
        } catch (IOException e) {
            throw ApiException.invalid("The request body is not valid JSON.");
        }
        if (body == null || body.isNull()) {
            return json.createObjectNode();
        }
        if (!body.isObject()) {
            throw ApiException.invalid("The request body must be a JSON object.");
        }
        return body;
    }

    private static String text(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw ApiException.invalid("Field '" + field + "' must be a string.");
        }
        return value.asText();
    }

    private int timeout(JsonNode body, int otherwise) {
        JsonNode value = body.get("timeout");
        if (value == null || value.isNull()) {
            return otherwise;
        }
        int max = config.sandboxes().maxTimeoutSeconds();
        if (!value.canConvertToInt() || !value.isIntegralNumber() || value.asInt() < 0 || value.asInt() > max) {
            throw ApiException.invalid("Field 'timeout' must be a number of seconds between 0 and " + max + ".");
        }
        // E2B takes 0 as "the shortest"; TensorBox's shortest life is a second
        return Math.max(1, value.asInt());
    }

    private static Map<String, String> strings(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isObject()) {
            throw ApiException.invalid("Field '" + field + "' must be an object whose values are strings.");
        }
        Map<String, String> map = new LinkedHashMap<>();
        value.fields().forEachRemaining(e -> {
            if (!e.getValue().isTextual()) {
                throw ApiException.invalid("Field '" + field + "." + e.getKey() + "' must be a string.");
            }
            map.put(e.getKey(), e.getValue().asText());
        });
        return map;
    }

    // ---- errors in E2B's shape -----------------------------------------------------------------

    static Response error(int status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new E2bViews.Error(status, message)).build();
    }

    @ServerExceptionMapper
    public Response api(ApiException e) {
        return error(e.status(), e.getMessage());
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return error(403, caller.knownRole().map(role -> "This needs the developer role; your key has the "
                + role + " role.").orElse("These credentials may not use this route."));
    }

    @ServerExceptionMapper
    public Response unauthorized(UnauthorizedException e) {
        return error(401, PublicApiMechanism.E2B_MISSING);
    }

    @ServerExceptionMapper
    public Response authenticationFailed(AuthenticationFailedException e) {
        return error(401, e.getMessage() == null || e.getMessage().isBlank() ? PublicApiMechanism.E2B_MISSING : e.getMessage());
    }

    @ServerExceptionMapper
    public Response web(jakarta.ws.rs.WebApplicationException e) {
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            LOG.error("E2B request failed", e);
            return error(500, "Internal error.");
        }
        return error(status, e.getMessage());
    }

    @ServerExceptionMapper
    public Response unexpected(Exception e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof io.tensorbox.api.error.BodySizeLimit.TooLarge tooLarge) {
                return error(413, tooLarge.getMessage());
            }
        }
        LOG.error("E2B request failed", e);
        return error(500, "Internal error.");
    }
}
