-- Times are Unix seconds, as on the wire.

CREATE TABLE teams (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL
);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,            -- the <keyid> of ask_<keyid>_<secret>
    team_id      TEXT NOT NULL REFERENCES teams (id),
    name         TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('viewer', 'developer', 'admin')),
    secret_hash  TEXT NOT NULL,               -- hex SHA-256 of <secret>; the key itself is never stored
    created_at   BIGINT NOT NULL,
    revoked_at   BIGINT
);
CREATE INDEX api_keys_team ON api_keys (team_id);

CREATE TABLE sandboxes (
    id                 TEXT PRIMARY KEY,
    team_id            TEXT NOT NULL REFERENCES teams (id),
    template           TEXT NOT NULL,
    state              TEXT NOT NULL CHECK (state IN ('pending', 'running', 'stopped', 'failed')),
    reason             TEXT,
    env                JSONB NOT NULL DEFAULT '{}',
    metadata           JSONB NOT NULL DEFAULT '{}',
    access_token_hash  TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    started_at         BIGINT NOT NULL DEFAULT 0,
    expires_at         BIGINT NOT NULL,
    stopped_at         BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX sandboxes_team_state ON sandboxes (team_id, state);
CREATE INDEX sandboxes_live_expiry ON sandboxes (expires_at) WHERE state IN ('pending', 'running');

CREATE TABLE processes (
    id          TEXT PRIMARY KEY,
    sandbox_id  TEXT NOT NULL REFERENCES sandboxes (id),
    command     JSONB NOT NULL,
    env         JSONB NOT NULL DEFAULT '[]',
    cwd         TEXT NOT NULL DEFAULT '',
    pid         INTEGER NOT NULL DEFAULT 0,
    state       TEXT NOT NULL CHECK (state IN ('running', 'exited', 'killed', 'failed')),
    exit_code   INTEGER NOT NULL DEFAULT -1,
    reason      TEXT,
    created_at  BIGINT NOT NULL,
    started_at  BIGINT NOT NULL DEFAULT 0,
    exited_at   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX processes_sandbox ON processes (sandbox_id, created_at);
