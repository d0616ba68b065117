package io.tensorbox.api.sandbox;

import io.tensorbox.common.Ids;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import io.tensorbox.common.SandboxState;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import java.util.Map;
import java.util.Optional;

@Entity
@Table(name = "sandboxes")
public class Sandbox extends PanacheEntityBase {
    @Id
    public String id;
    public String teamId;
    public String template;
    @Enumerated(EnumType.STRING)
    public SandboxState state;
    public String reason;
    @JdbcTypeCode(SqlTypes.JSON)
    public Map<String, String> env;
    @JdbcTypeCode(SqlTypes.JSON)
    public Map<String, String> metadata;
    public String accessTokenHash;
    public long createdAt;
    public long startedAt;
    public long expiresAt;
    public long stoppedAt;
    /** The {@code expires_at} a {@code sandbox.expiring} event was sent for (0: none yet). */
    public long expiringAnnouncedFor;
    /** Stops the sandbox after this long without activity and without a running process; null: never. */
    @Column(updatable = false)
    public Integer idleTimeoutSeconds;
    /**
     * The last activity recorded (Unix ms); written only by {@code activity.Activity} with column
     * updates, never by an entity write (which would put back a value read a moment ago).
     */
    @Column(updatable = false)
    public long lastActivityMs;

    /** Another team's sandbox is as absent as a missing one. */
    public static Optional<Sandbox> findOwned(String id, String teamId) {
        if (id == null || !Ids.SANDBOX.matcher(id).matches()) {
            return Optional.empty();
        }
        return find("id = ?1 and teamId = ?2", id, teamId).firstResultOptional();
    }

    public boolean isLive() {
        return state == SandboxState.pending || state == SandboxState.running;
    }
}
