package io.tensorbox.api.ports;

import io.tensorbox.api.config.TensorboxConfig;
import io.tensorbox.api.events.Event;
import io.tensorbox.api.events.Events;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The ports of sandboxes (SPEC §6): what the scheduler's watcher discovered (the full set of listening
 * sockets, reconciled here) and what was exposed through the API, one row per port in {@code ports}.
 * {@code port.opened} / {@code port.closed} are appended in the transaction that changed the row.
 */
@ApplicationScoped
public class Ports {
    private static final Logger LOG = Logger.getLogger(Ports.class);
    /** Distinct ports kept per sandbox at most (the lowest); more is a sandbox misbehaving. */
    static final int MAX_PORTS = 1000;

    public static final String ANY = "any";
    public static final String LOOPBACK = "loopback";
    public static final String NONE = "none";

    /** One listening socket as reported (already checked). */
    public record Socket(int port, String address, Addresses.Kind kind, int pid) {
    }

    /** A row of {@code ports}. */
    public record Row(int port, String listening, String address, int pid, String processId, boolean exposed,
                      boolean isPublic) {
        public boolean reachable() {
            return ANY.equals(listening);
        }
    }

    @Inject
    EntityManager em;

    @Inject
    Events events;

    @Inject
    TensorboxConfig config;

    /**
     * Makes the sandbox's discovered ports the given full set, in one transaction under the sandbox
     * row's lock (reports of one sandbox apply one at a time). An unknown or ended sandbox changes nothing.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void reconcile(String sandboxId, List<Socket> sockets) {
        List<?> state = em.createNativeQuery("SELECT state FROM sandboxes WHERE id = ?1 FOR UPDATE")
                .setParameter(1, sandboxId).getResultList();
        if (state.isEmpty() || !("pending".equals(state.get(0)) || "running".equals(state.get(0)))) {
            return;
        }
        // per port: reachable when any of its sockets is; the address shown is one of that kind
        Map<Integer, Socket> wanted = new TreeMap<>();
        for (Socket s : sockets) {
            Socket had = wanted.get(s.port());
            if (had == null || (had.kind() == Addresses.Kind.LOOPBACK && s.kind() == Addresses.Kind.ANY)
                    || (had.kind() == s.kind() && had.pid() == 0 && s.pid() > 0)) {
                wanted.put(s.port(), s);
            }
        }
        if (wanted.size() > MAX_PORTS) {
            LOG.warnf("sandbox %s listens on %d ports; only the lowest %d are kept", sandboxId, wanted.size(), MAX_PORTS);
            Map<Integer, Socket> lowest = new TreeMap<>();
            for (Map.Entry<Integer, Socket> e : wanted.entrySet()) {
                if (lowest.size() == MAX_PORTS) {
                    break;
                }
                lowest.put(e.getKey(), e.getValue());
            }
            wanted = lowest;
        }
        Map<Integer, String> owners = owners(sandboxId, wanted.values());
        Map<Integer, Row> had = new TreeMap<>();
        for (Row r : rows(sandboxId)) {
            had.put(r.port(), r);
        }
        // closes first, then opens: a reader sees the set as it went
        for (Row old : had.values()) {
            if (!wanted.containsKey(old.port()) && !NONE.equals(old.listening())) {
                close(sandboxId, old);
            }
        }
        long now = Instant.now().getEpochSecond();
        for (Socket s : wanted.values()) {
            String listening = s.kind() == Addresses.Kind.ANY ? ANY : LOOPBACK;
            String processId = s.pid() > 0 ? owners.get(s.pid()) : null;
            Row old = had.get(s.port());
            if (old == null) {
                sql("INSERT INTO ports (sandbox_id, port, listening, address, pid, process_id, opened_at)"
                                + " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
                        .setParameter(1, sandboxId).setParameter(2, s.port()).setParameter(3, listening)
                        .setParameter(4, s.address()).setParameter(5, s.pid()).setParameter(6, processId, String.class)
                        .setParameter(7, now).executeUpdate();
                opened(sandboxId, s, processId);
                continue;
            }
            boolean changed = !listening.equals(old.listening());
            if (changed || !s.address().equals(old.address()) || s.pid() != old.pid()
                    || !java.util.Objects.equals(processId, old.processId())) {
                var update = sql("UPDATE ports SET listening = ?3, address = ?4, pid = ?5, process_id = ?6"
                                + (changed ? ", opened_at = ?7" : "") + " WHERE sandbox_id = ?1 AND port = ?2")
                        .setParameter(1, sandboxId).setParameter(2, s.port()).setParameter(3, listening)
                        .setParameter(4, s.address()).setParameter(5, s.pid()).setParameter(6, processId, String.class);
                if (changed) {
                    update.setParameter(7, now);
                }
                update.executeUpdate();
            }
            if (changed) {
                // was closed (an exposed port nothing listened on), or its reachability changed: it was bound anew
                if (!NONE.equals(old.listening())) {
                    closed(sandboxId, s.port());
                }
                opened(sandboxId, s, processId);
            }
        }
    }

    /** Every listening port of the sandbox is closed (it stopped); exposed ones stay, listening on nothing. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void closeAll(String sandboxId) {
        for (Row r : rows(sandboxId)) {
            if (!NONE.equals(r.listening())) {
                close(sandboxId, r);
            }
        }
    }

    private void close(String sandboxId, Row old) {
        if (old.exposed()) {
            em.createNativeQuery("UPDATE ports SET listening = 'none', address = NULL, pid = 0, process_id = NULL"
                    + " WHERE sandbox_id = ?1 AND port = ?2").setParameter(1, sandboxId).setParameter(2, old.port())
                    .executeUpdate();
        } else {
            em.createNativeQuery("DELETE FROM ports WHERE sandbox_id = ?1 AND port = ?2")
                    .setParameter(1, sandboxId).setParameter(2, old.port()).executeUpdate();
        }
        closed(sandboxId, old.port());
    }

    private void opened(String sandboxId, Socket s, String processId) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("port", s.port());
        data.put("address", s.address());
        data.put("reachable", s.kind() == Addresses.Kind.ANY);
        data.put("process_id", processId);
        events.append(sandboxId, Event.PORT_OPENED, data);
    }

    private void closed(String sandboxId, int port) {
        events.append(sandboxId, Event.PORT_CLOSED, Map.of("port", port));
    }

    /** The process record each pid belongs to: the running one, else the newest. */
    private Map<Integer, String> owners(String sandboxId, java.util.Collection<Socket> sockets) {
        List<Integer> pids = sockets.stream().map(Socket::pid).filter(p -> p > 0).distinct().toList();
        Map<Integer, String> out = new HashMap<>();
        if (pids.isEmpty()) {
            return out;
        }
        @SuppressWarnings("unchecked")
        List<Object[]> found = em.createNativeQuery("SELECT pid, id FROM processes WHERE sandbox_id = ?1 AND pid IN (?2)"
                        + " ORDER BY (state = 'running') DESC, created_at DESC, id")
                .setParameter(1, sandboxId).setParameter(2, pids).getResultList();
        for (Object[] row : found) {
            out.putIfAbsent(((Number) row[0]).intValue(), (String) row[1]);
        }
        return out;
    }

    /** The sandbox's rows, by port. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Row> rows(String sandboxId) {
        @SuppressWarnings("unchecked")
        List<Object[]> found = em.createNativeQuery("SELECT port, listening, address, pid, process_id, exposed, is_public"
                + " FROM ports WHERE sandbox_id = ?1 ORDER BY port").setParameter(1, sandboxId).getResultList();
        List<Row> out = new ArrayList<>(found.size());
        for (Object[] r : found) {
            out.add(new Row(((Number) r[0]).intValue(), (String) r[1], (String) r[2], ((Number) r[3]).intValue(),
                    (String) r[4], (Boolean) r[5], (Boolean) r[6]));
        }
        return out;
    }

    /** Exposes a port (again): kept listed while nothing listens, {@code public} as given. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void expose(String sandboxId, int port, boolean isPublic) {
        em.createNativeQuery("INSERT INTO ports (sandbox_id, port, listening, exposed, is_public) VALUES (?1, ?2, 'none', true, ?3)"
                        + " ON CONFLICT (sandbox_id, port) DO UPDATE SET exposed = true, is_public = EXCLUDED.is_public")
                .setParameter(1, sandboxId).setParameter(2, port).setParameter(3, isPublic).executeUpdate();
    }

    private org.hibernate.query.MutationQuery sql(String text) {
        return em.unwrap(org.hibernate.Session.class).createNativeMutationQuery(text);
    }

    /** {@code {port}-{sandbox id with _ as -}.{domain}} */
    public String previewHost(String sandboxId, int port) {
        return port + "-" + sandboxId.replace('_', '-') + "." + config.preview().domain();
    }

    /** The preview URL of a port, ending in {@code /}. */
    public String url(String sandboxId, int port) {
        String base = config.preview().url().replace("{host}", previewHost(sandboxId, port));
        return base.endsWith("/") ? base : base + "/";
    }
}
