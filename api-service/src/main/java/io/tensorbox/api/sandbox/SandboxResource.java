package io.tensorbox.api.sandbox;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.tensorbox.api.auth.Caller;
import io.tensorbox.api.auth.Role;
import io.tensorbox.api.config.TensorboxConfig;
import io.tensorbox.common.ApiException;
import io.tensorbox.common.SandboxState;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.ResponseStatus;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

@Path("/v1/sandboxes")
@Produces(MediaType.APPLICATION_JSON)
public class SandboxResource {
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final int MAX_ENTRIES = 100;
    private static final int MAX_VALUE = 4096;

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record CreateSandbox(String template, Integer timeoutSeconds, Map<String, String> env,
                                Map<String, String> metadata, Integer idleTimeoutSeconds) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record SetTimeout(Integer timeoutSeconds) {
    }

    public record SandboxList(List<SandboxView> sandboxes) {
    }

    @Inject
    Caller caller;
    @Inject
    Sandboxes sandboxes;
    @Inject
    TensorboxConfig config;

    @RolesAllowed(Role.DEVELOPER)
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @ResponseStatus(201)
    public SandboxView create(CreateSandbox body) {
        CreateSandbox request = body == null ? new CreateSandbox(null, null, null, null, null) : body;
        String template = request.template() == null ? "base" : request.template();
        if (!template.equals("base") && !config.templates().contains(template)) {
            throw ApiException.invalid("Field 'template' names no configured template; known: "
                    + String.join(", ", knownTemplates()) + ".");
        }
        int timeout = request.timeoutSeconds() == null ? config.sandboxes().defaultTimeoutSeconds()
                : checkTimeout(request.timeoutSeconds());
        Map<String, String> env = checkMap("env", request.env(), true);
        Map<String, String> metadata = checkMap("metadata", request.metadata(), false);
        Integer idle = request.idleTimeoutSeconds();
        int maxIdle = config.sandboxes().maxIdleTimeoutSeconds();
        if (idle != null && (idle < 1 || idle > maxIdle)) {
            throw ApiException.invalid("Field 'idle_timeout_seconds' must be between 1 and " + maxIdle + ".");
        }
        Sandboxes.Created created = sandboxes.create(caller.teamId(), template, timeout, env, metadata, idle);
        return SandboxView.of(created.sandbox(), config.publicUrl(), created.accessToken());
    }

    @RolesAllowed(Role.VIEWER)
    @GET
    public SandboxList list(@QueryParam("state") String state) {
        List<Sandbox> found;
        if (state == null || state.isEmpty()) {
            found = Sandbox.list("teamId = ?1 order by createdAt, id", caller.teamId());
        } else {
            SandboxState wanted = Arrays.stream(SandboxState.values()).filter(s -> s.name().equals(state))
                    .findFirst().orElseThrow(() -> ApiException.invalid(
                            "Query parameter 'state' must be one of pending, running, stopped, failed."));
            found = Sandbox.list("teamId = ?1 and state = ?2 order by createdAt, id", caller.teamId(), wanted);
        }
        return new SandboxList(found.stream().map(this::view).toList());
    }

    @RolesAllowed(Role.VIEWER)
    @GET
    @Path("/{id}")
    public SandboxView get(@PathParam("id") String id) {
        return view(owned(id));
    }

    @RolesAllowed(Role.DEVELOPER)
    @DELETE
    @Path("/{id}")
    public void delete(@PathParam("id") String id) {
        owned(id);
        sandboxes.stop(id, "deleted through the API");
    }

    @RolesAllowed(Role.DEVELOPER)
    @POST
    @Path("/{id}/timeout")
    @Consumes(MediaType.APPLICATION_JSON)
    public SandboxView timeout(@PathParam("id") String id, SetTimeout body) {
        if (body == null || body.timeoutSeconds() == null) {
            throw ApiException.invalid("Field 'timeout_seconds' is required.");
        }
        int timeout = checkTimeout(body.timeoutSeconds());
        return QuarkusTransaction.requiringNew().call(() -> {
            Sandbox sandbox = owned(id);
            sandboxes.extend(sandbox, timeout);
            return view(sandbox);
        });
    }

    private Sandbox owned(String id) {
        return Sandbox.findOwned(id, caller.teamId()).orElseThrow(() -> ApiException.notFound(
                "sandbox_not_found", "No sandbox '" + id + "'."));
    }

    private SandboxView view(Sandbox sandbox) {
        return SandboxView.of(sandbox, config.publicUrl(), null);
    }

    private int checkTimeout(int seconds) {
        int max = config.sandboxes().maxTimeoutSeconds();
        if (seconds < 1 || seconds > max) {
            throw ApiException.invalid("Field 'timeout_seconds' must be between 1 and " + max + ".");
        }
        return seconds;
    }

    private List<String> knownTemplates() {
        return config.templates().contains("base") ? config.templates()
                : java.util.stream.Stream.concat(java.util.stream.Stream.of("base"), config.templates().stream()).toList();
    }

    public static Map<String, String> checkMap(String field, Map<String, String> map, boolean envNames) {
        if (map == null) {
            return Map.of();
        }
        if (map.size() > MAX_ENTRIES) {
            throw ApiException.invalid("Field '" + field + "' may hold at most " + MAX_ENTRIES + " entries.");
        }
        Map<String, String> copy = new LinkedHashMap<>();
        map.forEach((key, value) -> {
            if (envNames ? !ENV_NAME.matcher(key).matches() : key.isEmpty() || key.length() > 256) {
                throw ApiException.invalid("Field '" + field + "' has an invalid key '" + key + "'"
                        + (envNames ? "; names must match [A-Za-z_][A-Za-z0-9_]*." : "."));
            }
            if (value == null || value.length() > MAX_VALUE) {
                throw ApiException.invalid("Field '" + field + "." + key + "' must be a string of at most "
                        + MAX_VALUE + " characters.");
            }
            copy.put(key, value);
        });
        return copy;
    }
}
