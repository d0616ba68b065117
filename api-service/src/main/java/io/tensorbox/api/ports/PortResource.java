package io.tensorbox.api.ports;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.security.identity.SecurityIdentity;
import io.tensorbox.api.auth.Role;
import io.tensorbox.api.commands.RuntimeAccess;
import io.tensorbox.api.sandbox.Sandbox;
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
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.ResponseStatus;

import java.util.List;

/**
 * Ports of a sandbox (SPEC §6): the list (discovered ∪ exposed), expose, and signed preview links.
 * API keys of the sandbox's team (viewer reads, developer writes) or the sandbox's own access token.
 */
@Path("/v1/sandboxes/{sbx}")
@Produces(MediaType.APPLICATION_JSON)
public class PortResource {
    static final String LOOPBACK_ONLY = "listening on %s only";
    static final String NOTHING = "nothing is listening on this port";
    static final String NOT_RUNNING = "the sandbox is not running";

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record PortView(int port, String url, boolean reachable, String reason, boolean exposed,
                           @JsonProperty("public") boolean isPublic, String processId) {
    }

    public record PortList(List<PortView> ports) {
    }

    public record Expose(Integer port, @JsonProperty("public") Boolean isPublic) {
    }

    public record Exposed(int port, String url) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record NewLink(Integer ttlSeconds) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record LinkView(String id, String url, long expiresAt) {
    }

    @Inject
    RuntimeAccess access;
    @Inject
    SecurityIdentity identity;
    @Inject
    Ports ports;
    @Inject
    Links links;

    @GET
    @Path("/ports")
    @RolesAllowed({Role.VIEWER, Role.SANDBOX})
    public PortList list(@PathParam("sbx") String sandboxId) {
        return QuarkusTransaction.requiringNew().call(() -> {
            Sandbox sandbox = access.sandbox(identity, sandboxId);
            boolean running = sandbox.state == SandboxState.running;
            return new PortList(ports.rows(sandbox.id).stream().map(r -> {
                String reason = !running ? NOT_RUNNING
                        : Ports.ANY.equals(r.listening()) ? null
                        : Ports.LOOPBACK.equals(r.listening()) ? LOOPBACK_ONLY.formatted(r.address())
                        : NOTHING;
                return new PortView(r.port(), ports.url(sandbox.id, r.port()), running && r.reachable(), reason,
                        r.exposed(), r.isPublic(), r.processId());
            }).toList());
        });
    }

    @POST
    @Path("/expose")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Role.DEVELOPER, Role.SANDBOX})
    public Exposed expose(@PathParam("sbx") String sandboxId, Expose body) {
        if (body == null || body.port() == null) {
            throw ApiException.invalid("Field 'port' is required.");
        }
        int port = checkPort(body.port(), "Field 'port'");
        boolean isPublic = body.isPublic() != null && body.isPublic();
        return QuarkusTransaction.requiringNew().call(() -> {
            Sandbox sandbox = live(access.sandbox(identity, sandboxId));
            ports.expose(sandbox.id, port, isPublic);
            return new Exposed(port, ports.url(sandbox.id, port));
        });
    }

    @POST
    @Path("/ports/{port}/links")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Role.DEVELOPER, Role.SANDBOX})
    @ResponseStatus(201)
    public LinkView createLink(@PathParam("sbx") String sandboxId, @PathParam("port") String portText, NewLink body) {
        int port = checkPort(parsePort(portText), "The port");
        int ttl = body == null || body.ttlSeconds() == null ? Links.DEFAULT_TTL : body.ttlSeconds();
        if (ttl < 1 || ttl > Links.MAX_TTL) {
            throw ApiException.invalid("Field 'ttl_seconds' must be between 1 and " + Links.MAX_TTL + " (7 days).");
        }
        return QuarkusTransaction.requiringNew().call(() -> {
            Sandbox sandbox = live(access.sandbox(identity, sandboxId));
            Links.Created link = links.create(sandbox.id, port, ttl);
            return new LinkView(link.id(), ports.url(sandbox.id, port) + "__tensorbox/link?secret=" + link.secret(),
                    link.expiresAt());
        });
    }

    @DELETE
    @Path("/ports/{port}/links/{link}")
    @RolesAllowed({Role.DEVELOPER, Role.SANDBOX})
    public void revokeLink(@PathParam("sbx") String sandboxId, @PathParam("port") String portText,
                           @PathParam("link") String linkId) {
        int port = checkPort(parsePort(portText), "The port");
        QuarkusTransaction.requiringNew().run(() -> {
            Sandbox sandbox = access.sandbox(identity, sandboxId);
            if (!links.revoke(sandbox.id, port, linkId)) {
                throw ApiException.notFound("link_not_found", "No link '" + linkId + "' for port " + port
                        + " of sandbox " + sandboxId + ".");
            }
        });
    }

    private static Sandbox live(Sandbox sandbox) {
        if (!sandbox.isLive()) {
            throw ApiException.conflict("sandbox_not_running", "Sandbox " + sandbox.id + " is " + sandbox.state
                    + "; ports can be exposed and shared only while it is pending or running.");
        }
        return sandbox;
    }

    private static int parsePort(String text) {
        if (text == null || !text.matches("[0-9]{1,5}")) {
            throw ApiException.invalid("The port must be a number between 1 and 65535.");
        }
        return Integer.parseInt(text);
    }

    static int checkPort(int port, String what) {
        if (port < 1 || port > 65535) {
            throw ApiException.invalid(what + " must be between 1 and 65535.");
        }
        return port;
    }
}
