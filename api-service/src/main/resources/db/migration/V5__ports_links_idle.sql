-- Ports and preview URLs (SPEC §6) and the idle timeout of sandboxes (SPEC §3).

-- idle_timeout_seconds: NULL = none. last_activity_ms: the last call on the sandbox's routes or preview
-- request that was recorded (Unix milliseconds, written at most about once a second per sandbox);
-- idleness counts from the later of it and started_at.
ALTER TABLE sandboxes ADD COLUMN idle_timeout_seconds INTEGER CHECK (idle_timeout_seconds > 0);
ALTER TABLE sandboxes ADD COLUMN last_activity_ms BIGINT NOT NULL DEFAULT 0;
CREATE INDEX sandboxes_idle ON sandboxes (id) WHERE state = 'running' AND idle_timeout_seconds IS NOT NULL;
CREATE INDEX processes_running ON processes (sandbox_id) WHERE state = 'running';

-- One row per port that is listening (discovered by the scheduler's watcher) or exposed through the API.
-- listening: 'any' (0.0.0.0, ::, or another non-loopback address), 'loopback' (127.0.0.0/8, ::1 only),
-- 'none' (an exposed port nothing listens on). A row neither listening nor exposed is deleted.
CREATE TABLE ports (
    sandbox_id  TEXT    NOT NULL REFERENCES sandboxes (id),
    port        INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
    listening   TEXT    NOT NULL CHECK (listening IN ('any', 'loopback', 'none')),
    address     TEXT,
    pid         INTEGER NOT NULL DEFAULT 0,
    process_id  TEXT,
    exposed     BOOLEAN NOT NULL DEFAULT false,
    is_public   BOOLEAN NOT NULL DEFAULT false,
    opened_at   BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (sandbox_id, port)
);

-- Signed preview links: only the SHA-256 of the secret is kept.
CREATE TABLE links (
    id           TEXT    PRIMARY KEY,
    sandbox_id   TEXT    NOT NULL REFERENCES sandboxes (id),
    port         INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
    secret_hash  TEXT    NOT NULL UNIQUE,
    created_at   BIGINT  NOT NULL,
    expires_at   BIGINT  NOT NULL,
    revoked      BOOLEAN NOT NULL DEFAULT false
);
CREATE INDEX links_sandbox ON links (sandbox_id, port);
CREATE INDEX links_expires ON links (expires_at);
