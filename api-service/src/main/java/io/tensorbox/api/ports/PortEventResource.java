package io.tensorbox.api.ports;

import io.tensorbox.common.ApiException;
import io.tensorbox.common.Ids;
import io.tensorbox.common.internal.InternalToken;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.MediaType;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /internal/v1/events/ports} (scheduler → api-service): the full current set of TCP
 * listening sockets of a sandbox, sent when it changes and when a watcher (re)starts. The set was read
 * inside the sandbox: every field is checked (400) before anything is looked up. An unknown or ended
 * sandbox: 204 and nothing changes.
 */
@Path("/internal/v1/events/ports")
public class PortEventResource {
    /** Sockets per report at most (IPv4 and IPv6 of up to {@link Ports#MAX_PORTS} ports, and then some). */
    static final int MAX_SOCKETS = 8192;

    public record Listener(Integer port, String address, Integer pid) {
    }

    public record PortReport(String sandboxId, List<Listener> ports) {
    }

    @Inject
    Ports ports;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(InternalToken.ROLE)
    @Transactional
    public void onPorts(PortReport report) {
        if (report == null) {
            throw ApiException.invalid("Send the port report as a JSON object.");
        }
        if (report.sandboxId() == null || !Ids.SANDBOX.matcher(report.sandboxId()).matches()) {
            throw ApiException.invalid("Field 'sandboxId' must be sbx_ followed by 24 lowercase hex digits.");
        }
        if (report.ports() == null) {
            throw ApiException.invalid("Field 'ports' is required (an empty list when nothing listens).");
        }
        if (report.ports().size() > MAX_SOCKETS) {
            throw ApiException.invalid("Field 'ports' may hold at most " + MAX_SOCKETS + " sockets.");
        }
        List<Ports.Socket> sockets = new ArrayList<>(report.ports().size());
        for (int i = 0; i < report.ports().size(); i++) {
            Listener l = report.ports().get(i);
            String field = "Field 'ports[" + i + "]";
            if (l == null || l.port() == null || l.port() < 1 || l.port() > 65535) {
                throw ApiException.invalid(field + ".port' must be between 1 and 65535.");
            }
            Addresses.Kind kind = Addresses.kind(l.address());
            if (kind == null) {
                throw ApiException.invalid(field + ".address' must be an IPv4 or IPv6 address.");
            }
            if (l.pid() != null && l.pid() < 0) {
                throw ApiException.invalid(field + ".pid' must not be negative.");
            }
            sockets.add(new Ports.Socket(l.port(), l.address(), kind, l.pid() == null ? 0 : l.pid()));
        }
        ports.reconcile(report.sandboxId(), sockets);
    }
}
