package io.tensorbox.api.ports;

import io.quarkus.scheduler.Scheduled;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.tensorbox.api.auth.KeyFormat;
import io.tensorbox.common.Ids;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

import java.time.Instant;
import java.util.regex.Pattern;

/**
 * Signed preview links: a random secret (256 bits, hex) opens one port of one sandbox until it expires
 * or is revoked. Only the SHA-256 of the secret is stored; a revocation is seen by the next authorize.
 */
@ApplicationScoped
public class Links {
    static final int DEFAULT_TTL = 3600;
    static final int MAX_TTL = 7 * 24 * 3600;
    /** Secrets longer than this are not even hashed. */
    static final int MAX_SECRET = 256;
    static final Pattern ID = Pattern.compile("lnk_[0-9a-f]{24}");
    /** Expired links are deleted this long after they expired. */
    static final long KEEP_EXPIRED_SECONDS = 86400;

    public record Created(String id, String secret, long expiresAt) {
    }

    @Inject
    EntityManager em;

    @Transactional(Transactional.TxType.MANDATORY)
    public Created create(String sandboxId, int port, int ttlSeconds) {
        String id = "lnk_" + Ids.hex(12);
        String secret = Ids.hex(32);
        long now = Instant.now().getEpochSecond();
        long expiresAt = now + ttlSeconds;
        em.createNativeQuery("INSERT INTO links (id, sandbox_id, port, secret_hash, created_at, expires_at)"
                        + " VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
                .setParameter(1, id).setParameter(2, sandboxId).setParameter(3, port)
                .setParameter(4, KeyFormat.hash(secret)).setParameter(5, now).setParameter(6, expiresAt)
                .executeUpdate();
        return new Created(id, secret, expiresAt);
    }

    /** False when the sandbox has no such link for that port. Revoking twice is fine. */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean revoke(String sandboxId, int port, String linkId) {
        if (linkId == null || !ID.matcher(linkId).matches()) {
            return false;
        }
        return em.createNativeQuery("UPDATE links SET revoked = true WHERE id = ?1 AND sandbox_id = ?2 AND port = ?3")
                .setParameter(1, linkId).setParameter(2, sandboxId).setParameter(3, port).executeUpdate() > 0;
    }

    /** Whether the secret is a live, unexpired, unrevoked link of exactly this sandbox and port. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public boolean opens(String secret, String sandboxId, int port) {
        if (secret == null || secret.isEmpty() || secret.length() > MAX_SECRET) {
            return false;
        }
        return !em.createNativeQuery("SELECT 1 FROM links WHERE secret_hash = ?1 AND sandbox_id = ?2 AND port = ?3"
                        + " AND NOT revoked AND expires_at > ?4")
                .setParameter(1, KeyFormat.hash(secret)).setParameter(2, sandboxId).setParameter(3, port)
                .setParameter(4, Instant.now().getEpochSecond()).getResultList().isEmpty();
    }

    @Scheduled(every = "10m", delayed = "60s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void prune() {
        long before = Instant.now().getEpochSecond() - KEEP_EXPIRED_SECONDS;
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("DELETE FROM links WHERE expires_at < ?1")
                .setParameter(1, before).executeUpdate());
    }
}
