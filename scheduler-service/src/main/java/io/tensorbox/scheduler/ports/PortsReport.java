package io.tensorbox.scheduler.ports;

import java.util.List;

/** The full current set of a sandbox's TCP listening sockets (IPv4 and IPv6). */
public record PortsReport(String sandboxId, List<ListeningPort> ports) {
}
